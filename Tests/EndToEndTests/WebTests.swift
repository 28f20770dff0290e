import Foundation
import Testing

/// `recur web` over a real spool, with a real daemon, through real HTTP: what a page or a
/// program gets, what it is refused and why, and that the server answers whatever the
/// daemons do.
@Suite(.serialized)
struct WebTests {
    /// A spool with the tiny text models and the shipped folk model.
    static func fixture() throws -> SpoolFixture {
        let fixture = try SpoolFixture()
        try FileManager.default.copyItem(
            atPath: ShippedModelsTests.directory + "/folk.safetensors", toPath: fixture.models + "/folk.safetensors")
        return fixture
    }

    @Test func aTuneIsSubmittedFollowedAndEveryFileFetchedWithRanges() throws {
        let fixture = try Self.fixture()
        let daemon = try fixture.startDaemon()
        let web = try WebFixture(fixture)
        let submitted = try web.post(
            #"{"model": "folk", "count": 2, "seed": 11, "meter": "6/8", "mode": "minor", "key": "E", "format": ["abc", "svg", "wav", "midi", "text"], "render": {"synth": "builtin"}}"#
        )
        #expect(submitted.status == 201, "\(submitted.text)")
        let id = try #require(submitted.json["id"] as? String)
        #expect(submitted.headers["location"] == "/api/jobs/" + id)
        let job = try web.waitForEnd(of: id)
        #expect(job["state"] as? String == "done", "\(job) \(fixture.log(of: daemon))")
        let result = try #require(job["result"] as? [String: Any])
        let files = try #require(result["files"] as? [String])
        #expect(files.count == 10)
        let types = [
            "abc": "text/vnd.abc; charset=utf-8", "svg": "image/svg+xml", "wav": "audio/wav", "mid": "audio/midi",
            "txt": "text/plain; charset=utf-8",
        ]
        for name in files + ["result.json", "job.json"] {
            let reply = try web.request("GET", "/api/jobs/\(id)/files/\(name)")
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: fixture.spool + "/done/\(id)/\(name)"))
            #expect(reply.status == 200 && reply.body == onDisk, "\(name)")
            if let type = types[(name as NSString).pathExtension] { #expect(reply.headers["content-type"] == type, "\(name)") }
        }
        // Byte ranges, as an audio player seeks.
        let wav = try Data(contentsOf: URL(fileURLWithPath: fixture.spool + "/done/\(id)/sample-001.wav"))
        let part = try web.request("GET", "/api/jobs/\(id)/files/sample-001.wav", headers: ["Range": "bytes=100-1099"])
        #expect(part.status == 206 && part.body == wav[100..<1100])
        #expect(part.headers["content-range"] == "bytes 100-1099/\(wav.count)")
        let tail = try web.request("GET", "/api/jobs/\(id)/files/sample-001.wav", headers: ["Range": "bytes=-10"])
        #expect(tail.status == 206 && tail.body == wav.suffix(10))
        let open = try web.request("GET", "/api/jobs/\(id)/files/sample-001.wav", headers: ["Range": "bytes=\(wav.count - 5)-"])
        #expect(open.status == 206 && open.body == wav.suffix(5))
        let outside = try web.request("GET", "/api/jobs/\(id)/files/sample-001.wav", headers: ["Range": "bytes=\(wav.count)-"])
        #expect(outside.status == 416 && outside.headers["content-range"] == "bytes */\(wav.count)")
        // The list and the metrics see it.
        let list = try web.request("GET", "/api/jobs").json["jobs"] as? [[String: Any]]
        #expect(list?.first { $0["id"] as? String == id }?["state"] as? String == "done")
        let metrics = try web.request("GET", "/metrics")
        #expect(metrics.status == 200 && metrics.text.contains("recur_spool_jobs{state=\"done\"} 1"), "\(metrics.text)")
        #expect(metrics.text.contains("recur_daemon_jobs_done{daemon="), "\(metrics.text)")
    }

    @Test func badJobsAreRefusedWithTheFieldAndNothingReachesTheSpool() throws {
        let fixture = try Self.fixture()
        let web = try WebFixture(fixture, ["--max-body", "2048"])
        let cases: [(String, String?)] = [
            (#"{"model": "lstm-l2-emb5", "temprature": 1}"#, "temprature"),
            (#"{"model": "folky"}"#, "model"),
            (#"{"model": "folk", "meter": "5/8"}"#, "meter"),
            (#"{"model": "lstm-l2-emb5", "format": "wav"}"#, "format"),
            (#"{"model": "folk", "render": {"instrument": "kazooo"}}"#, "render.instrument"),
            (#"{"model": "lstm-l2-emb5", "count": 0}"#, "count"),
            ("not json", nil),
        ]
        for (body, field) in cases {
            let reply = try web.post(body)
            #expect(reply.status == 400, "\(body): \(reply.text)")
            #expect(reply.json["field"] as? String == field, "\(body): \(reply.text)")
            #expect((reply.json["hint"] as? String)?.isEmpty == false)
        }
        let large = try web.post(#"{"model": "lstm-l2-emb5", "prime": "\#(String(repeating: "a", count: 4000))"}"#)
        #expect(large.status == 413, "\(large.text)")
        let crossSite = try web.post(#"{"model": "lstm-l2-emb5"}"#, headers: ["Origin": "http://elsewhere.example"])
        #expect(crossSite.status == 403)
        let fetchMetadata = try web.post(#"{"model": "lstm-l2-emb5"}"#, headers: ["Sec-Fetch-Site": "cross-site"])
        #expect(fetchMetadata.status == 403)
        #expect(fixture.list("incoming").isEmpty && fixture.list("failed").isEmpty)
        let sameSite = try web.post(#"{"model": "lstm-l2-emb5"}"#, headers: ["Origin": web.base])
        #expect(sameSite.status == 201)
    }

    @Test func noPathFromARequestLeavesTheSpool() throws {
        let fixture = try Self.fixture()
        try fixture.submit(#"{"model": "lstm-l2-emb5", "length": 10, "seed": 1}"#, id: "known")
        try fixture.submit(#"{"model": "lstm-l2-emb5", "lenght": 10}"#, id: "refused")
        let daemon = try fixture.startDaemon(["--once"])
        daemon.waitUntilExit()
        try "TOP-SECRET-CONTENT".write(toFile: fixture.root + "/secret.txt", atomically: true, encoding: .utf8)
        try "unlisted".write(toFile: fixture.spool + "/done/known/extra.txt", atomically: true, encoding: .utf8)
        let web = try WebFixture(fixture)
        #expect(try web.request("GET", "/api/jobs/known/files/sample-001.txt").status == 200)
        let refused = try web.request("GET", "/api/jobs/refused")
        #expect(refused.json["state"] as? String == "failed")
        #expect((refused.json["error"] as? [String: Any])?["field"] as? String == "lenght", "\(refused.text)")
        #expect(try web.request("GET", "/api/jobs/refused/files/error.json").status == 200)
        #expect(try web.request("GET", "/api/jobs/refused/files/sample-001.txt").status == 404)
        for path in [
            "/api/jobs/..%2F..%2Fsecret.txt", "/api/jobs/known/files/..%2F..%2F..%2Fsecret.txt",
            "/api/jobs/known/files/%2e%2e%2fknown%2fjob.json", "/api/jobs/%2e%2e/files/secret.txt",
            "/api/jobs/known/files/extra.txt", "/api/jobs/known/files/", "/api/jobs/known/../../secret.txt",
            "/api/jobs/..", "/api/jobs/%00", "/api/jobs/known%2Fsample-001.txt",
        ] {
            let reply = try web.request("GET", path)
            #expect(reply.status == 404, "\(path): \(reply.status)")
            #expect(!reply.text.contains("TOP-SECRET-CONTENT"), "\(path)")
        }
    }

    @Test func aTokenGuardsTheAPIButNotThePageShell() throws {
        let fixture = try Self.fixture()
        let token = "s3cret-token-for-tests-0123"
        try token.write(toFile: fixture.root + "/token", atomically: true, encoding: .utf8)
        let web = try WebFixture(fixture, ["--token", fixture.root + "/token"])
        #expect(try web.request("GET", "/api/models").status == 401)
        #expect(try web.request("GET", "/metrics").status == 401)
        #expect(try web.request("GET", "/api/models", headers: ["Authorization": "Bearer wrong-token-0123456789"]).status == 401)
        #expect(try web.post(#"{"model": "lstm-l2-emb5"}"#).status == 401)
        #expect(try web.request("GET", "/api/models", headers: ["Authorization": "Bearer " + token]).status == 200)
        #expect(try web.request("GET", "/").status == 200)
        #expect(try web.request("GET", "/static/app.js").status == 200)
        let session = try web.request("POST", "/api/session", headers: ["Authorization": "Bearer " + token])
        #expect(session.status == 204)
        let cookie = try #require(session.headers["set-cookie"])
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let pair = String(cookie.split(separator: ";")[0])
        #expect(try web.request("GET", "/api/jobs", headers: ["Cookie": pair]).status == 200)
        #expect(try web.request("POST", "/api/session", headers: ["Authorization": "Bearer nope-nope-nope-nope"]).status == 401)
        #expect(fixture.list("incoming").isEmpty)
    }

    @Test func aFloodGets429WithRetryAfterNotAFullDisk() throws {
        let fixture = try Self.fixture()
        let web = try WebFixture(fixture, ["--max-queued", "5"])
        var statuses: [Int] = []
        for seed in 0..<8 {
            let reply = try web.post(#"{"model": "lstm-l2-emb5", "length": 10, "seed": \#(seed)}"#)
            statuses.append(reply.status)
            if reply.status == 429 { #expect(reply.headers["retry-after"] != nil) }
        }
        #expect(statuses == [201, 201, 201, 201, 201, 429, 429, 429])
        #expect(fixture.list("incoming").count == 5)
    }

    @Test func thePageAndAPIAnswerWhileTheDaemonStopsAndStarts() throws {
        let fixture = try Self.fixture()
        let web = try WebFixture(fixture)
        let first = try fixture.startDaemon()
        #expect(fixture.waitUntilServing(first))
        let before = try #require(try web.post(#"{"model": "lstm-l2-emb5", "length": 20, "seed": 3}"#).json["id"] as? String)
        #expect(try web.waitForEnd(of: before)["state"] as? String == "done")
        kill(first.processIdentifier, SIGTERM)
        first.waitUntilExit()
        let queued = try #require(try web.post(#"{"model": "lstm-l2-emb5", "length": 20, "seed": 4}"#).json["id"] as? String)
        #expect(try web.request("GET", "/").status == 200)
        #expect(try web.request("GET", "/api/jobs/" + queued).json["state"] as? String == "queued")
        let models = try #require(try web.request("GET", "/api/models").json["models"] as? [[String: Any]])
        #expect(!models.isEmpty && models.allSatisfy { $0["precision"] as? String == "float32" }, "\(models)")
        let second = try fixture.startDaemon()
        #expect(try web.waitForEnd(of: queued)["state"] as? String == "done", "\(fixture.log(of: second))")
    }
}
