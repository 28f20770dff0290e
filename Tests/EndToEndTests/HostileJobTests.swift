import Foundation
import Testing

/// Hostile job files through the real daemon: each ends in failed/ with a clear
/// error.json, the daemon stays up, and a valid job still runs afterwards.
@Suite(.serialized)
struct HostileJobTests {
    static let contents: [(String, String)] = [
        ("empty", ""), ("spaces", "   \n"), ("junk", "\u{01}\u{02}garbage\u{7F}"),
        ("truncated", #"{"model": "lstm-l2-emb5", "count": "#),
        ("array", "[1, 2]"), ("string", #""model""#), ("number", "42"), ("no-model", #"{"count": 2}"#),
        ("model-number", #"{"model": 7}"#), ("model-path", #"{"model": "../../etc/passwd"}"#),
        ("unknown-model", #"{"model": "nope"}"#), ("typo", #"{"model": "lstm-l2-emb5", "temprature": 1}"#),
        ("count-zero", #"{"model": "lstm-l2-emb5", "count": 0}"#), ("count-float", #"{"model": "lstm-l2-emb5", "count": 2.5}"#),
        ("count-string", #"{"model": "lstm-l2-emb5", "count": "3"}"#),
        ("count-bool", #"{"model": "lstm-l2-emb5", "count": true}"#),
        ("count-huge", #"{"model": "lstm-l2-emb5", "count": 1000000000000}"#),
        ("length-zero", #"{"model": "lstm-l2-emb5", "length": 0}"#),
        ("temperature-negative", #"{"model": "lstm-l2-emb5", "temperature": -1}"#),
        ("temperature-string", #"{"model": "lstm-l2-emb5", "temperature": "hot"}"#),
        ("top-k", #"{"model": "lstm-l2-emb5", "top_k": -1}"#), ("top-p", #"{"model": "lstm-l2-emb5", "top_p": 1.5}"#),
        ("seed", #"{"model": "lstm-l2-emb5", "seed": -1}"#), ("stop-number", #"{"model": "lstm-l2-emb5", "stop": [1]}"#),
        ("format", #"{"model": "lstm-l2-emb5", "format": "mp3"}"#),
        ("wav-text-model", #"{"model": "lstm-l2-emb5", "format": "wav"}"#),
        ("render-tempo", #"{"model": "lstm-l2-emb5", "render": {"tempo": 0}}"#),
        ("render-rate", #"{"model": "lstm-l2-emb5", "render": {"sample_rate": 7}}"#),
        ("prime-unknown", #"{"model": "lstm-l2-emb5", "prime": "ZZZ"}"#), ("null", #"{"model": "lstm-l2-emb5", "count": null}"#),
        (
            "deep",
            "{\"model\": \"lstm-l2-emb5\", \"stop\": " + String(repeating: "[", count: 100_000)
                + String(repeating: "]", count: 100_000) + "}"
        ),
        ("duplicate-key", #"{"model": "lstm-l2-emb5", "model": "gru-l1-emb5"}"#),
        ("meter-text-model", #"{"model": "lstm-l2-emb5", "meter": "6/8"}"#),
        ("key-unknown", #"{"model": "lstm-l2-emb5", "key": "H#"}"#),
        ("stop-empty", #"{"model": "lstm-l2-emb5", "stop": ["x", ""]}"#),
        ("beam-temperature", #"{"model": "lstm-l2-emb5", "beam": 2, "temperature": 1}"#),
    ]

    @Test func everyHostileJobFailsClearlyAndTheDaemonKeepsServing() throws {
        let fixture = try SpoolFixture()
        for (id, text) in Self.contents { try fixture.submit(text, id: id) }
        // Objects that are not regular files, dropped straight into incoming/.
        let incoming = fixture.spool + "/incoming"
        try #"{"model": "lstm-l2-emb5"}"#.write(toFile: fixture.root + "/target.json", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(
            atPath: incoming + "/symlink.json", withDestinationPath: fixture.root + "/target.json")
        #expect(mkfifo(incoming + "/fifo.json", 0o644) == 0)
        try FileManager.default.createDirectory(atPath: incoming + "/directory.json", withIntermediateDirectories: false)
        let big = fixture.spool + "/tmp/.big.json"
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        try handle.truncate(atOffset: 20 << 20)
        try handle.close()
        #expect(rename(big, incoming + "/huge.json") == 0)
        let ids = Self.contents.map(\.0) + ["symlink", "fifo", "directory", "huge"]
        #expect(ids.count >= 30)

        let daemon = try fixture.startDaemon()
        defer {
            daemon.terminate()
            daemon.waitUntilExit()
        }
        #expect(fixture.waitUntil(60) { fixture.list("failed").count >= ids.count })
        #expect(daemon.isRunning)
        for id in ids {
            let error = fixture.json("failed/\(id)/error.json")
            let message = error["error"] as? String ?? ""
            let hint = error["hint"] as? String ?? ""
            #expect(!message.isEmpty && !hint.isEmpty, "\(id): \(error)")
            #expect(error.keys.contains("field") && error.keys.contains("value"), "\(id): \(error)")
            // A field's value is JSON text, as the job file spelt it (unless shortened with "…");
            // a file-level error's is a snippet of the file or its name.
            if error["field"] is String, let value = error["value"] as? String, !value.hasSuffix("…") {
                let parsed = try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
                #expect(parsed != nil, "\(id): value \(value) is not JSON text")
            }
        }
        #expect((fixture.json("failed/typo/error.json")["hint"] as? String ?? "").contains("temperature"))
        #expect(fixture.json("failed/count-float/error.json")["field"] as? String == "count")
        #expect(fixture.json("failed/unknown-model/error.json")["field"] as? String == "model")
        // The symlink was not followed: its target is untouched. Neither it, the FIFO nor the
        // directory is in failed/ as itself: a regular job.json says what each was.
        #expect(FileManager.default.fileExists(atPath: fixture.root + "/target.json"))
        for (id, kind) in [("symlink", "a symbolic link"), ("fifo", "a FIFO (named pipe)"), ("directory", "a directory")] {
            var info = stat()
            #expect(lstat(fixture.spool + "/failed/\(id)/job.json", &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "\(id)")
            let stand = fixture.json("failed/\(id)/job.json")
            #expect(stand["refused"] as? String == kind, "\(id): \(stand)")
        }
        #expect(fixture.json("failed/symlink/job.json")["target"] as? String == fixture.root + "/target.json")
        // Nothing left in the spool is a link. (A file can go between the listing and the
        // look: the running daemon replaces status.json through a temporary file.)
        let walker = FileManager.default.enumerator(atPath: fixture.spool)
        while let relative = walker?.nextObject() as? String {
            var info = stat()
            guard lstat(fixture.spool + "/" + relative, &info) == 0 else {
                #expect(errno == ENOENT, "\(relative)")
                continue
            }
            #expect(info.st_mode & S_IFMT != S_IFLNK, "\(relative)")
        }
        try fixture.submit(#"{"model": "gru-l1-emb5", "length": 15}"#, id: "valid-after")
        #expect(fixture.waitUntil(30) { fixture.list("done").contains("valid-after") })
        #expect(fixture.list("incoming").isEmpty)
    }
}
