/// A Prometheus histogram with fixed buckets: one counter per bucket, a sum and a count.
///
/// Its size never changes, however many jobs a daemon runs, and reading it costs the
/// same after a million observations as after one: the status timer renders it every
/// second.
struct LatencyHistogram {
    /// Upper bounds (seconds) of the buckets, ascending; `+Inf` is implied.
    let bounds: [Double]
    /// Observations in each bucket (not cumulative), plus one for `+Inf`.
    private var counts: [Int]
    /// Sum of all observations.
    private(set) var sum = 0.0
    /// Number of observations.
    private(set) var count = 0

    /// An empty histogram over `bounds` (ascending).
    init(bounds: [Double]) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bucket bounds must ascend")
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Counts `value` in the first bucket whose bound is at least `value`.
    mutating func observe(_ value: Double) {
        let index = bounds.firstIndex { value <= $0 } ?? bounds.count
        counts[index] += 1
        sum += value
        count += 1
    }

    /// Cumulative counts per bound, as Prometheus's `_bucket{le=…}` lines want them
    /// (the `+Inf` bucket is `count`).
    var cumulative: [(bound: Double, count: Int)] {
        var running = 0
        return bounds.indices.map { index in
            running += counts[index]
            return (bounds[index], running)
        }
    }

    /// The exposition lines of a histogram called `name`.
    func prometheusLines(name: String) -> [String] {
        cumulative.map { "\(name)_bucket{le=\"\($0.bound)\"} \($0.count)" }
            + ["\(name)_bucket{le=\"+Inf\"} \(count)", "\(name)_sum \(sum)", "\(name)_count \(count)"]
    }
}
