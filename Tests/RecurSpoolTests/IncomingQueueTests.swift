import Dispatch
import Foundation
import Testing

@testable import RecurSpool

/// The daemon's view of incoming/: oldest first, each name once, and the names inotify
/// reports.
struct IncomingQueueTests {
    typealias Entry = IncomingQueue.Entry

    func drain(_ queue: inout IncomingQueue) -> [String] {
        var names: [String] = []
        while let next = queue.popOldest() { names.append(next.name) }
        return names
    }

    @Test func jobsComeOldestFirstThenByName() {
        var queue = IncomingQueue()
        queue.replace(with: [
            Entry(name: "c.json", modified: 3), Entry(name: "b.json", modified: 1), Entry(name: "a.json", modified: 1),
        ])
        queue.insert(Entry(name: "new.json", modified: 9))
        queue.insert(Entry(name: "late-but-old.json", modified: 2))
        #expect(queue.count == 5)
        #expect(drain(&queue) == ["a.json", "b.json", "late-but-old.json", "c.json", "new.json"])
        #expect(queue.isEmpty)
    }

    @Test func aNameIsQueuedOnceUntilItIsTaken() {
        var queue = IncomingQueue()
        queue.replace(with: [Entry(name: "a.json", modified: 1), Entry(name: "a.json", modified: 1)])
        queue.insert(Entry(name: "a.json", modified: 1))
        #expect(queue.count == 1)
        #expect(queue.popOldest()?.name == "a.json")
        // Requeued under the same name after it was taken: queued again.
        queue.insert(Entry(name: "a.json", modified: 5))
        #expect(drain(&queue) == ["a.json"])
    }

    @Test func aFreshListingReplacesWhatWasQueued() {
        var queue = IncomingQueue()
        queue.replace(with: [Entry(name: "gone.json", modified: 1), Entry(name: "kept.json", modified: 2)])
        queue.replace(with: [Entry(name: "kept.json", modified: 2), Entry(name: "seen.json", modified: 3)])
        #expect(drain(&queue) == ["kept.json", "seen.json"])
    }

    @Test func aLongBacklogKeepsItsOrderAcrossCompaction() {
        var queue = IncomingQueue()
        queue.replace(with: (0..<5_000).map { Entry(name: String(format: "j%05d.json", $0), modified: Double($0)) })
        var taken: [String] = []
        for i in 0..<3_000 {
            taken.append(queue.popOldest()!.name)
            if i % 3 == 0 { queue.insert(Entry(name: String(format: "k%05d.json", i), modified: Double(5_000 + i))) }
        }
        #expect(taken == (0..<3_000).map { String(format: "j%05d.json", $0) })
        let rest = drain(&queue)
        #expect(rest.count == 2_000 + 1_000)
        #expect(rest.prefix(2_000) == ArraySlice((3_000..<5_000).map { String(format: "j%05d.json", $0) }))
        #expect(rest.last == "k02997.json")
    }

    @Test func theWatcherReportsTheNamesMovedOrWrittenIn() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("recur-watch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let queue = DispatchQueue(label: "watch-test")
        let seen = NameLog()
        let watcher = try DirectoryWatcher(directory: directory, rescanInterval: 3600, queue: queue) { change in
            if case .names(let names) = change { seen.append(names) }
        }
        defer { watcher.cancel() }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: directory + "/.tmp-one"))
        #expect(rename(directory + "/.tmp-one", directory + "/one.json") == 0)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: directory + "/written-in-place.json"))
        let deadline = Date().addingTimeInterval(10)
        while !seen.names.contains("written-in-place.json") && Date() < deadline { usleep(5_000) }
        #expect(seen.names.contains("one.json"))
        #expect(seen.names.contains("written-in-place.json"))
        #expect(seen.names.allSatisfy { !$0.contains("\0") && !$0.isEmpty })
    }
}

/// Names the watcher reported, from its queue to the test's thread.
private final class NameLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reported: [String] = []

    func append(_ names: [String]) { lock.withLock { reported += names } }
    var names: [String] { lock.withLock { reported } }
}
