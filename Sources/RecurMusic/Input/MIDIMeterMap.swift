/// Where the bars of a MIDI file fall: each time signature's bars counted from the step
/// where it takes effect, 4/4 before the first.
///
/// A notation program writes a pickup as a short bar with a time signature of its own
/// (2/4, then 4/4), and a short last bar likewise; the map reads those as a pickup and
/// the bar completing it, and any other change of meter as a change to refuse.
struct MIDIMeterMap {
    /// A meter and the step where it takes effect.
    struct Region {
        var start: Int
        var meter: Meter
    }

    /// The meter of a file without a time signature.
    static let common = Meter(numerator: 4, denominator: 4)!

    /// The regions, ascending, the first at step 0; neighbours differ in meter.
    let regions: [Region]

    /// The map of time signatures at `signatures` (steps ascending); a later signature at
    /// the same step replaces an earlier one.
    init(signatures: [(step: Int, meter: Meter)]) {
        var regions = [Region(start: 0, meter: Self.common)]
        for (step, meter) in signatures {
            if regions[regions.count - 1].start == step {
                regions[regions.count - 1].meter = meter
            } else {
                regions.append(Region(start: step, meter: meter))
            }
        }
        var merged: [Region] = []
        for region in regions where merged.last?.meter != region.meter { merged.append(region) }
        self.regions = merged
    }

    /// The steps in 1…`end` where a bar line falls: every full bar of each meter, and
    /// every change of meter.
    func barLines(through end: Int) -> [Int] {
        var lines: [Int] = []
        for (index, region) in regions.enumerated() where region.start < end {
            let regionEnd = index + 1 < regions.count ? regions[index + 1].start : Int.max
            var bar = region.start + region.meter.stepsPerBar
            while bar < regionEnd && bar <= end {
                lines.append(bar)
                bar += region.meter.stepsPerBar
            }
            if regionEnd <= end && lines.last != regionEnd { lines.append(regionEnd) }
        }
        return lines
    }

    /// The 1-based bar and beat of `step`, bars counted from step 0.
    func place(of step: Int) -> (bar: Int, beat: Int) {
        let passed = barLines(through: step).filter { $0 <= step }
        let meter = regions.last { $0.start <= step }?.meter ?? Self.common
        return (passed.count + 1, MelodyTimeline.beat(offset: step - (passed.last ?? 0), meter: meter))
    }

    /// The tune's meter, for a tune of `end` steps: the meter of every region but a short
    /// first one (a pickup) and a short last one (the bar completing it); and where it
    /// changes to another, if it does.
    func meter(ending end: Int) -> (meter: Meter, conflict: (from: Meter, to: Meter, step: Int)?) {
        let active = regions.filter { $0.start < end }
        guard active.count > 1 else { return (active.first?.meter ?? Self.common, nil) }
        func span(_ index: Int) -> Int {
            (index + 1 < active.count ? active[index + 1].start : end) - active[index].start
        }
        func isShortBar(_ index: Int) -> Bool {
            let neighbour = index == 0 ? 1 : index == active.count - 1 ? index - 1 : nil
            guard let neighbour else { return false }
            return span(index) <= active[index].meter.stepsPerBar && span(index) < active[neighbour].meter.stepsPerBar
        }
        let full = active.indices.filter { !isShortBar($0) }
        guard let first = full.first else {
            return (active.max { $0.meter.stepsPerBar < $1.meter.stepsPerBar }?.meter ?? Self.common, nil)
        }
        let meter = active[first].meter
        guard let other = full.first(where: { active[$0].meter != meter }) else { return (meter, nil) }
        return (meter, (meter, active[other].meter, active[other].start))
    }
}
