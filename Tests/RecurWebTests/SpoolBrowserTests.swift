import Foundation
import RecurSpool
import Testing

@testable import RecurWeb

/// Job states read from the spool's directories, and the names a request may use.
struct SpoolBrowserTests {
    func spool() throws -> SpoolLayout {
        let layout = SpoolLayout(root: NSTemporaryDirectory() + "recur-web-\(UUID().uuidString)")
        try layout.create()
        return layout
    }

    func touch(_ path: String, _ text: String = "{}") {
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }

    @Test func idsThatCouldLeaveTheSpoolAreRefused() {
        for id in ["", ".", "..", ".hidden", "a/b", "../x", "a\\b", "a\u{0}b", "a\nb", String(repeating: "x", count: 201)] {
            #expect(!SpoolBrowser.isValidID(id), "\(id.debugDescription)")
        }
        for id in ["20261205T120000-abcd1234", "my job", "tune+2", "réel"] {
            #expect(SpoolBrowser.isValidID(id))
        }
    }

    @Test func eachStateIsFoundWhereTheJobIs() async throws {
        let layout = try spool()
        defer { try? FileManager.default.removeItem(atPath: layout.root) }
        let browser = SpoolBrowser(layout: layout)
        touch(layout.incoming + "/waiting.json")
        touch(layout.incoming + "/retried~2.json")
        try FileManager.default.createDirectory(atPath: layout.active + "/host-1", withIntermediateDirectories: true)
        touch(layout.active + "/host-1/.lock", "")
        touch(layout.active + "/host-1/busy.json")
        try FileManager.default.createDirectory(atPath: layout.done + "/finished", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: layout.failed + "/refused", withIntermediateDirectories: true)
        #expect(await browser.state(of: "waiting")?.phase == .queued)
        #expect(await browser.state(of: "retried")?.phase == .queued)
        #expect(await browser.state(of: "busy")?.phase == .running)
        #expect(await browser.state(of: "finished")?.phase == .done)
        #expect(await browser.state(of: "refused")?.phase == .failed)
        #expect(await browser.state(of: "missing") == nil)
        #expect(await browser.state(of: "../done/finished") == nil)
        #expect(browser.list(limit: 10).map(\.id) == ["waiting", "retried", "refused", "finished", "busy"])
        #expect(browser.list(limit: 2).count == 2)
        #expect(layout.waitingJobCount() == 2)
    }

    @Test func onlyTheFilesAResultListsAreServable() {
        let done = JobState(id: "j", phase: .done, path: "/x")
        #expect(
            SpoolBrowser.servableNames(of: done, result: ["files": ["sample-001.wav"]])
                == ["result.json", "job.json", "sample-001.wav"])
        #expect(SpoolBrowser.servableNames(of: done, result: nil) == ["result.json", "job.json"])
        #expect(
            SpoolBrowser.servableNames(of: JobState(id: "j", phase: .failed, path: "/x"), result: nil) == [
                "error.json", "job.json",
            ])
        #expect(SpoolBrowser.servableNames(of: JobState(id: "j", phase: .queued, path: "/x"), result: nil).isEmpty)
    }

    @Test func onlyRegularFilesAreRead() throws {
        let layout = try spool()
        defer { try? FileManager.default.removeItem(atPath: layout.root) }
        touch(layout.root + "/real.json", #"{"a": 1}"#)
        #expect(symlink(layout.root + "/real.json", layout.root + "/link.json") == 0)
        #expect(mkfifo(layout.root + "/pipe.json", 0o644) == 0)
        #expect(SpoolBrowser.readObject(layout.root + "/real.json")?["a"] as? Int == 1)
        #expect(SpoolBrowser.readObject(layout.root + "/link.json") == nil)
        #expect(SpoolBrowser.readObject(layout.root + "/pipe.json") == nil)
        #expect(SpoolBrowser.readObject(layout.root + "/real.json", limit: 3) == nil)
    }
}
