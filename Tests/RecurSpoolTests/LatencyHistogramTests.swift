import Testing

@testable import RecurSpool

/// The daemon's latency histogram: Prometheus semantics in constant space.
struct LatencyHistogramTests {
    @Test func bucketsAreCumulativeAndBoundsInclusive() {
        var histogram = LatencyHistogram(bounds: [0.1, 1, 10])
        for value in [0.05, 0.1, 0.5, 1, 3, 10, 99] { histogram.observe(value) }
        #expect(histogram.cumulative.map(\.count) == [2, 4, 6])
        #expect(histogram.count == 7)
        #expect(abs(histogram.sum - 113.65) < 1e-9)
        let lines = histogram.prometheusLines(name: "x")
        #expect(
            lines.filter { !$0.hasPrefix("x_sum ") } == [
                "x_bucket{le=\"0.1\"} 2", "x_bucket{le=\"1.0\"} 4", "x_bucket{le=\"10.0\"} 6",
                "x_bucket{le=\"+Inf\"} 7", "x_count 7",
            ])
        #expect(lines.contains { $0.hasPrefix("x_sum 113.6") })
    }

    @Test func theMetricsTextDoesNotGrowWithObservations() {
        var statistics = DaemonStatistics()
        let before = statistics.prometheus().split(separator: "\n").count
        for i in 0..<50_000 { statistics.latency.observe(Double(i % 400)) }
        let lines = statistics.prometheus().split(separator: "\n")
        #expect(lines.count == before)
        #expect(lines.contains("recur_job_latency_seconds_count 50000"))
        #expect(lines.contains("recur_job_latency_seconds_bucket{le=\"300.0\"} 37625"))
    }
}
