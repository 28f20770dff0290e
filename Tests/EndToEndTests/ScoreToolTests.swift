import Foundation
import Testing

/// Engraved scores through the real binary and a real daemon, with abcm2ps missing,
/// failing or hanging (stand-in scripts named by `$RECUR_ABCM2PS`): a clear error, a
/// time limit that holds, nothing left behind, and only that job failing.
@Suite(.serialized)
struct ScoreToolTests {
    static let waltz =
        "M:3/4 K:major n67 - - - | n72 - - - - - n72 - n74 - n74 - | n76 - - - - - - - - - - - | n67 - - - - - - - - - - - |\n"

    /// A directory holding the waltz and three stand-ins for abcm2ps.
    static func workspace() throws -> String {
        let directory = try temporaryDirectory()
        try waltz.write(toFile: directory + "/waltz.txt", atomically: true, encoding: .utf8)
        let scripts = [
            "failing": "#!/bin/sh\necho 'line 3: boom: bad things' >&2\nexit 3\n",
            // exec: the time limit's SIGTERM reaches the sleep itself.
            "hanging": "#!/bin/sh\nexec sleep 60\n",
            "silent": "#!/bin/sh\nexit 0\n",
        ]
        for (name, body) in scripts {
            let path = directory + "/" + name
            try body.write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        return directory
    }

    @Test func renderSaysWhatWentWrongAndWritesNothing() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [(String, String)] = [
            ("/nonexistent/abcm2ps", "abcm2ps is not installed: apt install abcm2ps"),
            (directory + "/failing", "abcm2ps failed (exit status 3): line 3: boom: bad things"),
            (directory + "/hanging", "abcm2ps ran longer than 1 s and was stopped"),
            (directory + "/silent", "abcm2ps failed (exit status 0)"),
        ]
        for (tool, message) in cases {
            let started = Date()
            let result = try RecurBinary.run(
                ["render", "waltz.txt", "--out", "waltz.score.svg"],
                environment: ["RECUR_ABCM2PS": tool, "RECUR_ENGRAVING_TIME_LIMIT": "1"], directory: directory)
            #expect(result.status != 0 && result.stderr.contains(message), "\(tool): \(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 10)
            let left = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(left == ["failing", "hanging", "silent", "waltz.txt"], "\(tool): \(left)")
        }
        // The hanging stand-in was stopped, not left running.
        let sleeping = try RecurBinary.runProcess(
            URL(fileURLWithPath: "/usr/bin/pgrep"), ["-f", "sleep 60"], environment: [:])
        #expect(sleeping.stdout.isEmpty, "\(sleeping.stdout)")
        // And the real abcm2ps engraves it.
        let real = try RecurBinary.run(
            ["render", "waltz.txt", "--out", "waltz.score.svg"], environment: ["RECUR_ENGRAVING_TIME_LIMIT": "120"],
            directory: directory)
        #expect(real.status == 0 && real.stdout.contains("engraved as SVG"), "\(real.stderr)")
        let svg = try String(contentsOfFile: directory + "/waltz.score.svg", encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("waltz"))
    }

    @Test func aDaemonFailsOnlyTheJobWhoseScoreCannotBeMade() throws {
        let fixture = try SpoolFixture()
        let tools = try Self.workspace()
        defer { try? FileManager.default.removeItem(atPath: tools) }
        _ = try TuneRequestTests.structuredModel(in: fixture.models)
        try fixture.submit(#"{"model": "tiny-tunes", "length": 60, "seed": 1, "format": ["abc", "score"]}"#, id: "hangs")
        try fixture.submit(#"{"model": "tiny-tunes", "length": 60, "seed": 2, "format": ["abc", "midi"]}"#, id: "plain")
        let daemon = try fixture.startDaemon(
            ["--once"], environment: ["RECUR_ABCM2PS": tools + "/hanging", "RECUR_ENGRAVING_TIME_LIMIT": "1"])
        daemon.waitUntilExit()
        #expect(daemon.terminationStatus == 0)
        #expect(fixture.list("done") == ["plain"])
        #expect(fixture.list("failed") == ["hangs"])
        let error = fixture.json("failed/hangs/error.json")
        #expect(error["field"] as? String == "format", "\(error)")
        #expect((error["error"] as? String ?? "").contains("abcm2ps ran longer than 1 s"), "\(error)")
        #expect(fixture.list("failed/hangs").allSatisfy { !$0.hasPrefix(".engraving") })

        // Without abcm2ps the job is refused before it samples, naming the format.
        try fixture.submit(#"{"model": "tiny-tunes", "format": ["text", "pdf"]}"#, id: "notool")
        let second = try fixture.startDaemon(["--once"], environment: ["RECUR_ABCM2PS": "/nonexistent/abcm2ps"])
        second.waitUntilExit()
        let refused = fixture.json("failed/notool/error.json")
        #expect(refused["field"] as? String == "format[1]", "\(refused)")
        #expect((refused["error"] as? String ?? "").contains("apt install abcm2ps"), "\(refused)")

        // With the tools installed, the score and the PDF are in done/.
        try fixture.submit(
            #"{"model": "tiny-tunes", "length": 60, "seed": 3, "format": ["score", "pdf"], "render": {"staves": 4}}"#,
            id: "engraved")
        // A generous limit: a loaded CI host can take seconds to start rsvg-convert (fontconfig).
        let third = try fixture.startDaemon(["--once"], environment: ["RECUR_ENGRAVING_TIME_LIMIT": "120"])
        third.waitUntilExit()
        #expect(third.terminationStatus == 0)
        let why = "\(fixture.list("failed")): \(fixture.json("failed/engraved/error.json"))"
        #expect(fixture.list("done/engraved").contains("sample-001.score.svg"), "\(why)")
        #expect(fixture.list("done/engraved").contains("sample-001.pdf"), "\(why)")
    }
}
