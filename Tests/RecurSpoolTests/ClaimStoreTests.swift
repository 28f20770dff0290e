import Foundation
import Testing

@testable import RecurSpool

/// A daemon's claim directory appears in active/ already locked, so another daemon's
/// recovery never takes a starting daemon for a dead one; what a daemon left half made
/// is cleared.
struct ClaimStoreTests {
    func spool() throws -> SpoolLayout {
        let layout = SpoolLayout(root: NSTemporaryDirectory() + "recur-claims-\(UUID().uuidString)")
        try layout.create()
        return layout
    }

    @Test func aStartingDaemonIsNeverTakenForDead() throws {
        let layout = try spool()
        defer { try? FileManager.default.removeItem(atPath: layout.root) }
        let recovering = try ClaimStore(layout: layout)
        let stop = StopFlag()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while !stop.isSet { recovering.recoverDeadDaemons { _, _, _ in } }
            done.signal()
        }
        for _ in 0..<300 {
            let starting = try ClaimStore(layout: layout)
            #expect(!starting.isPresumedDead, "recovery took \(starting.daemonID) for dead while it started")
            starting.release()
        }
        stop.set()
        done.wait()
        #expect(SpoolIO.list(layout.temporary).isEmpty, "no claim directory is left half made")
    }

    @Test func halfMadeClaimDirectoriesGoOnceUnlockedAndDeadOrOld() throws {
        let layout = try spool()
        defer { try? FileManager.default.removeItem(atPath: layout.root) }
        func halfMade(_ name: String, ageSeconds: Double) throws -> String {
            let path = layout.temporary + "/" + ClaimStore.claimPrefix + name
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            #expect(FileManager.default.createFile(atPath: path + "/.lock", contents: nil))
            let then = Date().addingTimeInterval(-ageSeconds)
            try FileManager.default.setAttributes([.modificationDate: then], ofItemAtPath: path)
            return path
        }
        let old = try halfMade("elsewhere-1-a", ageSeconds: 600)
        let young = try halfMade("elsewhere-2-b", ageSeconds: 1)
        let held = try halfMade("elsewhere-3-c", ageSeconds: 600)
        // This host's: a young one goes at once when its process is gone, not while it lives.
        let gone = try halfMade("\(ClaimStore.hostName)-\(Int32.max - 7)-d", ageSeconds: 1)
        let living = try halfMade("\(ClaimStore.hostName)-\(getpid())-e", ageSeconds: 1)
        let lock = try #require(SpoolIO.lock(held + "/.lock"))
        defer { close(lock) }
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-600)], ofItemAtPath: held)
        let store = try ClaimStore(layout: layout)
        store.recoverDeadDaemons { _, _, _ in }
        #expect(!FileManager.default.fileExists(atPath: old))
        #expect(FileManager.default.fileExists(atPath: young), "a minute's grace for a daemon making it")
        #expect(FileManager.default.fileExists(atPath: held), "its lock is held")
        #expect(!FileManager.default.fileExists(atPath: gone), "its process is gone")
        #expect(FileManager.default.fileExists(atPath: living), "its process lives")
        store.release()
    }
}

private final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
