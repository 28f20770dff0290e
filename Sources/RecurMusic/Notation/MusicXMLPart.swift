/// Writes one voice of a tune as a MusicXML `<part>`'s measures (see `MusicXML`).
struct MusicXMLPart {
    /// The voice's notes.
    let voice: Melody
    /// The tune's bars, the same for every part.
    let bars: [Range<Int>]
    let meter: Meter
    let key: Key
    let clef: Clef
    /// Quarter notes per minute, written in the first measure; nil in every part but the first.
    let tempo: Double?

    /// Whether the first bar is a pickup: shorter than the meter's bar, with more to follow.
    var hasPickup: Bool { bars.count > 1 && bars[0].count < meter.stepsPerBar }

    /// Writes the measures into the open `<part>`.
    func write(into xml: inout XMLWriter) {
        for (index, symbols) in voice.written(in: bars).enumerated() {
            let bar = bars[index]
            if index == 0 && hasPickup {
                xml.open("measure", ["number": "0", "implicit": "yes"])
            } else {
                xml.open("measure", ["number": String(hasPickup ? index : index + 1)])
            }
            if index == 0 {
                writeAttributes(into: &xml)
                if let tempo { Self.writeTempo(tempo, into: &xml) }
            }
            if bar.count == meter.stepsPerBar && symbols.allSatisfy(\.isRest) {
                writeBarRest(bar.count, into: &xml)
            } else {
                writeNotes(symbols, bar: bar, pickup: index == 0 && hasPickup, into: &xml)
            }
            if index == bars.count - 1 {
                xml.open("barline", ["location": "right"])
                xml.element("bar-style", "light-heavy")
                xml.close()
            }
            xml.close()
        }
    }

    /// Divisions, key, time signature and clef.
    func writeAttributes(into xml: inout XMLWriter) {
        xml.open("attributes")
        xml.element("divisions", "4")
        xml.open("key")
        xml.element("fifths", String(key.fifths))
        xml.element("mode", key.mode.rawValue)
        xml.close()
        xml.open("time")
        xml.element("beats", String(meter.numerator))
        xml.element("beat-type", String(meter.denominator))
        xml.close()
        xml.open("clef")
        switch clef {
        case .treble, .trebleOctaveDown:
            xml.element("sign", "G")
            xml.element("line", "2")
        case .bass:
            xml.element("sign", "F")
            xml.element("line", "4")
        }
        if clef.octaveChange != 0 { xml.element("clef-octave-change", String(clef.octaveChange)) }
        xml.close()
        xml.close()
    }

    /// A metronome mark in quarter notes, and the same tempo for playback.
    static func writeTempo(_ tempo: Double, into xml: inout XMLWriter) {
        xml.open("direction", ["placement": "above"])
        xml.open("direction-type")
        xml.open("metronome", ["parentheses": "no"])
        xml.element("beat-unit", "quarter")
        xml.element("per-minute", decimal(tempo))
        xml.close()
        xml.close()
        xml.empty("sound", ["tempo": decimal(tempo)])
        xml.close()
    }

    /// A rest that fills the whole bar, whatever its length.
    func writeBarRest(_ steps: Int, into xml: inout XMLWriter) {
        xml.open("note")
        xml.empty("rest", ["measure": "yes"])
        xml.element("duration", String(steps))
        xml.element("voice", "1")
        xml.close()
    }

    /// The bar's notes and rests with their ties, accidentals and beams.
    func writeNotes(_ symbols: [WrittenNote], bar: Range<Int>, pickup: Bool, into xml: inout XMLWriter) {
        var speller = Speller(key: key)
        // A pickup's beats are counted back from the bar line that ends it.
        let origin = pickup ? bar.upperBound - meter.stepsPerBar : bar.lowerBound
        let beams = Self.beams(of: symbols, origin: origin, beat: meter.stepsPerBeat)
        for (index, symbol) in symbols.enumerated() {
            xml.open("note")
            var accidental: Int?
            if let pitch = symbol.pitch {
                let spelling = Spelling(pitch: pitch, key: key)
                accidental = speller.accidental(for: spelling)
                xml.open("pitch")
                xml.element("step", spelling.letterName)
                if spelling.alteration != 0 { xml.element("alter", String(spelling.alteration)) }
                xml.element("octave", String(spelling.octave))
                xml.close()
            } else {
                xml.empty("rest")
            }
            xml.element("duration", String(symbol.steps))
            if symbol.continues { xml.empty("tie", ["type": "stop"]) }
            if symbol.tied { xml.empty("tie", ["type": "start"]) }
            xml.element("voice", "1")
            let (type, dots) = Self.type(of: symbol.steps)
            xml.element("type", type)
            for _ in 0..<dots { xml.empty("dot") }
            if let accidental, !symbol.continues {
                xml.element("accidental", accidental > 0 ? "sharp" : accidental < 0 ? "flat" : "natural")
            }
            for (level, beam) in beams[index].enumerated() { xml.element("beam", beam, ["number": String(level + 1)]) }
            if symbol.continues || symbol.tied {
                xml.open("notations")
                if symbol.continues { xml.empty("tied", ["type": "stop"]) }
                if symbol.tied { xml.empty("tied", ["type": "start"]) }
                xml.close()
            }
            xml.close()
        }
    }

    /// MusicXML's note type and dots for a written value (`WrittenNote.values`).
    static func type(of steps: Int) -> (type: String, dots: Int) {
        switch steps {
        case 32: ("breve", 0)
        case 24: ("whole", 1)
        case 16: ("whole", 0)
        case 12: ("half", 1)
        case 8: ("half", 0)
        case 6: ("quarter", 1)
        case 4: ("quarter", 0)
        case 3: ("eighth", 1)
        case 2: ("eighth", 0)
        default: ("16th", 0)
        }
    }

    /// The beams of each symbol, level 1 first: notes of an eighth or shorter that follow
    /// one another within a beat share a beam (`begin`, `continue`, `end`); 16ths next to
    /// each other share a second one, and a lone 16th gets a hook.
    static func beams(of symbols: [WrittenNote], origin: Int, beat: Int) -> [[String]] {
        func beatIndex(_ step: Int) -> Int { (step - origin).floorDivided(by: beat) }
        func beamable(_ symbol: WrittenNote) -> Bool {
            !symbol.isRest && symbol.steps <= 3 && beatIndex(symbol.start) == beatIndex(symbol.start + symbol.steps - 1)
        }
        var beams = [[String]](repeating: [], count: symbols.count)
        var first = 0
        while first < symbols.count {
            guard beamable(symbols[first]) else {
                first += 1
                continue
            }
            var end = first + 1
            while end < symbols.count, beamable(symbols[end]), beatIndex(symbols[end].start) == beatIndex(symbols[first].start) {
                end += 1
            }
            if end - first >= 2 {
                for k in first..<end {
                    beams[k].append(k == first ? "begin" : k == end - 1 ? "end" : "continue")
                    guard symbols[k].steps == 1 else { continue }
                    let before = k > first && symbols[k - 1].steps == 1
                    let after = k < end - 1 && symbols[k + 1].steps == 1
                    switch (before, after) {
                    case (true, true): beams[k].append("continue")
                    case (false, true): beams[k].append("begin")
                    case (true, false): beams[k].append("end")
                    case (false, false): beams[k].append(k == first ? "forward hook" : "backward hook")
                    }
                }
            }
            first = end
        }
        return beams
    }

    /// `120`, or `97.5`: a number as short as it can be written.
    static func decimal(_ value: Double) -> String {
        guard value.isFinite, value == value.rounded(), abs(value) < 1e15 else { return String(value) }
        return String(Int(value))
    }
}

extension Int {
    /// The quotient rounded towards minus infinity (−1 / 4 = −1).
    fileprivate func floorDivided(by divisor: Int) -> Int {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
