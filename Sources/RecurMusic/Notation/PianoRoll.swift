import Foundation

/// A piano-roll picture of a tune as SVG: time runs left to right on the 16th-note grid,
/// pitch bottom to top, one row a semitone. Notes are bars, black-key rows are shaded,
/// bar lines are drawn and numbered, and every row is labelled with its note name as
/// spelled in the tune's key — a tune can be read at a glance, in any browser.
///
/// With several voices each voice's notes take a colour of the Okabe–Ito palette, which
/// people with any common colour blindness can tell apart, and a legend above the roll
/// names them; the rows cover every voice.
public enum PianoRoll {
    /// Height of one semitone row, in pixels.
    static let rowHeight = 10
    /// Width of the pitch labels' column.
    static let labelWidth = 40
    static let top = 40
    static let bottom = 16
    static let right = 12
    /// Height of the legend line above the roll, with several voices.
    static let legendHeight = 16
    /// The colour of a melody's notes.
    static let melodyColour = "rgb(47,109,181)"
    /// The voices' colours, highest voice first: the Okabe–Ito palette (blue, vermillion,
    /// bluish green, reddish purple, orange, sky blue, black, yellow), repeated past eight.
    static let voiceColours = [
        "rgb(0,114,178)", "rgb(213,94,0)", "rgb(0,158,115)", "rgb(204,121,167)", "rgb(230,159,0)", "rgb(86,180,233)",
        "rgb(0,0,0)", "rgb(240,228,66)",
    ]

    /// The SVG document for `tune`.
    /// - Parameters:
    ///   - title: a heading above the roll.
    ///   - tempo: quarter notes per minute, shown in the subtitle.
    public static func svg(for tune: Tune, title: String, tempo: Double) -> String {
        let pitches = tune.voices.flatMap { $0.notes.map(\.pitch) }
        let low = (pitches.min() ?? 60) - 2
        let high = (pitches.max() ?? 72) + 2
        let steps = max(1, tune.steps)
        let voiceCount = tune.voices.count
        let names = tune.voices.indices.map { VoiceNames.name(of: $0, among: voiceCount) }
        let top = Self.top + (voiceCount > 1 ? legendHeight : 0)
        // 8 px a step keeps a 16th readable; long tunes shrink to about 2,400 px wide.
        let stepWidth = max(2.0, min(8.0, 2400.0 / Double(steps)))
        let rows = high - low + 1
        let rollWidth = Double(steps) * stepWidth
        let width = max(Double(labelWidth) + rollWidth, legendWidth(names: voiceCount > 1 ? names : [])) + Double(right)
        let height = top + rows * rowHeight + bottom
        func x(_ step: Int) -> String { format(Double(labelWidth) + Double(step) * stepWidth) }
        func y(_ pitch: Int) -> Int { top + (high - pitch) * rowHeight }

        var svg: [String] = []
        svg.append(#"<?xml version="1.0" encoding="UTF-8"?>"#)
        svg.append(
            #"<svg xmlns="http://www.w3.org/2000/svg" width="\#(format(width))" height="\#(height)" "#
                + #"viewBox="0 0 \#(format(width)) \#(height)" font-family="sans-serif">"#)
        svg.append(#"<rect width="100%" height="100%" fill="rgb(255,255,255)"/>"#)
        let subtitle =
            "\(tune.key), \(tune.meter.map(\.description) ?? "no meter"), \(tune.bars.count) bars, "
            + "♩ = \(Int(tempo.rounded()))"
        svg.append(#"<text x="\#(labelWidth)" y="16" font-size="13" font-weight="bold">\#(escape(title))</text>"#)
        svg.append(#"<text x="\#(labelWidth)" y="31" font-size="11" fill="rgb(85,85,85)">\#(escape(subtitle))</text>"#)
        if voiceCount > 1 { svg += legend(names: names) }

        // Rows: black keys shaded, a line under every C, every row named.
        for pitch in low...high {
            let pitchClass = ((pitch % 12) + 12) % 12
            if [1, 3, 6, 8, 10].contains(pitchClass) {
                svg.append(
                    #"<rect x="\#(labelWidth)" y="\#(y(pitch))" width="\#(format(rollWidth))" height="\#(rowHeight)" fill="rgb(238,240,243)"/>"#
                )
            }
            if pitchClass == 0 {
                svg.append(
                    #"<line x1="\#(labelWidth)" y1="\#(y(pitch) + rowHeight)" x2="\#(x(steps))" y2="\#(y(pitch) + rowHeight)" stroke="rgb(184,188,196)" stroke-width="1"/>"#
                )
            }
            let name = noteName(pitch, key: tune.key)
            svg.append(
                #"<text x="\#(labelWidth - 4)" y="\#(y(pitch) + rowHeight - 2)" font-size="8" text-anchor="end" fill="\#(pitchClass == 0 ? "rgb(34,34,34)" : "rgb(119,119,119)")">\#(escape(name))</text>"#
            )
        }
        // Bar lines, numbered above the roll.
        let bottomY = top + rows * rowHeight
        for (number, bar) in tune.bars.enumerated() {
            svg.append(
                #"<line x1="\#(x(bar.lowerBound))" y1="\#(top)" x2="\#(x(bar.lowerBound))" y2="\#(bottomY)" stroke="rgb(138,143,153)" stroke-width="1"/>"#
            )
            svg.append(
                #"<text x="\#(x(bar.lowerBound))" y="\#(top - 3)" font-size="8" fill="rgb(138,143,153)">\#(number + 1)</text>"#)
        }
        svg.append(
            #"<line x1="\#(x(steps))" y1="\#(top)" x2="\#(x(steps))" y2="\#(bottomY)" stroke="rgb(138,143,153)" stroke-width="2"/>"#
        )
        // Notes, with their name and length as a tooltip; the highest voice drawn last, on top.
        for (index, voice) in tune.voices.enumerated().reversed() {
            let colour = voiceCount > 1 ? voiceColours[index % voiceColours.count] : melodyColour
            let voiceName = voiceCount > 1 ? names[index] + ": " : ""
            for note in voice.notes {
                let name = noteName(note.pitch, key: tune.key)
                svg.append(
                    #"<rect x="\#(x(note.start))" y="\#(y(note.pitch) + 1)" width="\#(format(max(1, Double(note.length) * stepWidth - 1)))" height="\#(rowHeight - 2)" rx="2" fill="\#(colour)">"#
                        + #"<title>\#(escape(voiceName + name)), \#(note.length) × 16th, bar \#(bar(of: note.start, in: tune) + 1)</title></rect>"#
                )
            }
        }
        svg.append(
            #"<text x="\#(labelWidth)" y="\#(height - 4)" font-size="8" fill="rgb(138,143,153)">one column = a 16th note; rows are semitones</text>"#
        )
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// `F#5`, `Bb3`: a pitch's name as spelled in `key`, with its octave (C4 = 60).
    public static func noteName(_ pitch: Int, key: Key) -> String {
        let spelling = Spelling(pitch: pitch, key: key)
        let accidental = spelling.alteration > 0 ? "#" : spelling.alteration < 0 ? "b" : ""
        return "\(Tonic.letters[spelling.letter])\(accidental)\(spelling.octave)"
    }

    static func bar(of step: Int, in tune: Tune) -> Int {
        tune.bars.firstIndex { $0.contains(step) } ?? 0
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String { XMLWriter.escaped(text) }

    /// Width of one legend entry: a swatch, the name, a gap.
    static func legendEntryWidth(_ name: String) -> Int { 14 + 6 * name.count + 12 }

    /// How wide the legend of `names` is, from the left edge.
    static func legendWidth(names: [String]) -> Double {
        names.isEmpty ? 0 : Double(labelWidth + names.map(legendEntryWidth).reduce(0, +))
    }

    /// A line naming each voice beside a swatch of its colour, below the subtitle.
    static func legend(names: [String]) -> [String] {
        var x = labelWidth
        var svg: [String] = []
        for (index, name) in names.enumerated() {
            svg.append(
                #"<rect x="\#(x)" y="\#(top - 3)" width="10" height="10" rx="2" fill="\#(voiceColours[index % voiceColours.count])"/>"#
            )
            svg.append(#"<text x="\#(x + 14)" y="\#(top + 6)" font-size="10" fill="rgb(51,51,51)">\#(escape(name))</text>"#)
            x += legendEntryWidth(name)
        }
        return svg
    }
}
