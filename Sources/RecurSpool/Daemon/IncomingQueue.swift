/// The jobs waiting in incoming/ as this daemon last saw them, oldest first.
///
/// Listing incoming/ and reading each job's modification time costs time in proportion
/// to the backlog; doing it after every finished job made a backlog of N jobs cost N²
/// system calls. The daemon lists the directory only on a full rescan (start, SIGHUP, the
/// periodic rescan, an inotify overflow), adds the names inotify reports in between, and
/// otherwise takes the next job from here. A name may be gone by the time it is taken
/// (another daemon claimed it, a client removed it); its claim then fails and it is
/// dropped, as a name listed a moment too early always was.
struct IncomingQueue {
    /// A job file in incoming/ and when it arrived there.
    struct Entry: Equatable {
        let name: String
        let modified: Double

        /// Oldest first, then by name: a fair order across jobs.
        func precedes(_ other: Entry) -> Bool {
            modified != other.modified ? modified < other.modified : name < other.name
        }
    }

    /// Sorted by `precedes` from `head` on; entries before `head` are taken.
    private var entries: [Entry] = []
    private var head = 0
    private var queued: Set<String> = []

    /// Jobs waiting.
    var count: Int { entries.count - head }
    var isEmpty: Bool { count == 0 }

    /// Forgets what was queued and queues a fresh listing.
    mutating func replace(with listing: [Entry]) {
        entries = []
        head = 0
        queued = []
        for entry in listing where queued.insert(entry.name).inserted { entries.append(entry) }
        entries.sort { $0.precedes($1) }
    }

    /// Queues a job that arrived, unless it is queued already. New jobs are usually the
    /// newest, so this is an append; an older one is put in its place.
    mutating func insert(_ entry: Entry) {
        guard queued.insert(entry.name).inserted else { return }
        var low = head, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].precedes(entry) { low = middle + 1 } else { high = middle }
        }
        entries.insert(entry, at: low)
    }

    /// Takes the oldest job.
    mutating func popOldest() -> Entry? {
        guard head < entries.count else { return nil }
        let entry = entries[head]
        head += 1
        queued.remove(entry.name)
        if head >= 1024 && head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
        return entry
    }
}
