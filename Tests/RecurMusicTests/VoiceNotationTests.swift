import Foundation
import RecurMusic
import Testing

/// ABC and the piano roll of tunes with several voices.
struct VoiceNotationTests {
    // MARK: - ABC

    @Test func abcDefinesEachVoiceThenWritesItsBars() throws {
        let tune = TestTunes.chorale
        let abc = ABCNotation.text(for: tune, title: "chorale", tempo: 96)
        let lines = abc.split(separator: "\n").map(String.init)
        #expect(lines.prefix(6) == ["X:1", "T:chorale", "M:4/4", "L:1/8", "Q:1/4=96", "K:F"])
        #expect(
            lines.filter { $0.hasPrefix("V:") } == [
                #"V:1 name="Soprano" clef=treble"#, #"V:2 name="Alto" clef=treble"#,
                #"V:3 name="Tenor" clef=treble-8 octave=1"#, #"V:4 name="Bass" clef=bass"#,
            ], "\(abc)")
        let read = try ABCReader(abc)
        #expect(read.voices.map(\.name) == ["Soprano", "Alto", "Tenor", "Bass"])
        for (voice, expected) in zip(read.voices, tune.voices) {
            #expect(voice.notes == expected.notes, "\(voice.name ?? "") in \(abc)")
            #expect(voice.barSteps == [4, 16, 16, 16, 12], "\(voice.name ?? "")")
        }
        // The tenor is written at pitch: its first note, middle C, is a plain C.
        let tenor = try #require(lines.firstIndex { $0.hasPrefix("V:3") })
        #expect(lines[tenor + 1].hasPrefix("C2 "), "\(abc)")
    }

    @Test func everyVoiceBreaksItsLinesAtTheSameBars() throws {
        // Two voices, nine bars of 3/4: lines of four bars, then one.
        let high = Melody(notes: (0..<27).map { Note(pitch: 72 + $0 % 5, start: 4 * $0, length: 4) }, steps: 108)
        let low = Melody(notes: (0..<9).map { Note(pitch: 43 + $0 % 3, start: 12 * $0, length: 12) }, steps: 108)
        let tune = Tune(voices: [high, low], meter: Meter("3/4"), mode: .dorian)
        let abc = ABCNotation.text(for: tune, title: "t", tempo: 120)
        let lines = abc.split(separator: "\n").map(String.init)
        let second = try #require(lines.firstIndex { $0.hasPrefix("V:2") })
        #expect(lines[6] == #"V:1 name="Voice 1" clef=treble"#)
        #expect(lines[second] == #"V:2 name="Voice 2" clef=bass"#)
        let bodies = [Array(lines[7..<second]), Array(lines[(second + 1)...])]
        #expect(bodies.map(\.count) == [3, 3], "\(abc)")
        #expect(bodies[0].map { $0.filter { $0 == "|" }.count } == bodies[1].map { $0.filter { $0 == "|" }.count })
        let read = try ABCReader(abc)
        #expect(read.voices.map(\.notes) == tune.voices.map(\.notes))
        #expect(read.voices.allSatisfy { $0.barSteps == Array(repeating: 12, count: 9) })
    }

    @Test func oneVoiceWritesNoVoiceLines() {
        let abc = ABCNotation.text(for: TestTunes.jig, title: "jig", tempo: 120)
        #expect(!abc.contains("V:"))
    }

    // MARK: - Piano roll

    @Test func thePianoRollColoursEachVoiceAndNamesThem() throws {
        let tune = TestTunes.chorale
        let svg = try ParsedElement.parse(PianoRoll.svg(for: tune, title: "chorale", tempo: 96))
        let notes = svg.children("rect").filter { $0.child("title") != nil }
        #expect(notes.count == tune.voices.map(\.notes.count).reduce(0, +))
        var fills: [String: Int] = [:]
        for note in notes { fills[note.attributes["fill"] ?? "", default: 0] += 1 }
        #expect(fills.count == 4)
        #expect(fills["rgb(47,109,181)"] == nil)
        #expect(Set(fills.values) == Set(tune.voices.map(\.notes.count)))
        // Each voice's notes share one colour, and the tooltip names the voice.
        for name in ["Soprano", "Alto", "Tenor", "Bass"] {
            let voiceFills = Set(
                notes.filter { $0.text(at: "title")?.hasPrefix(name + ": ") == true }.map { $0.attributes["fill"] })
            #expect(voiceFills.count == 1, "\(name)")
        }
        // A legend names the voices; the rows reach the bass's lowest note and the soprano's highest.
        let texts = svg.children("text").map(\.text)
        #expect(["Soprano", "Alto", "Tenor", "Bass"].allSatisfy(texts.contains))
        #expect(texts.contains("F2") && texts.contains("Gb5"))
    }

    @Test func aMelodyKeepsItsOneColourAndNoLegend() throws {
        let svg = try ParsedElement.parse(PianoRoll.svg(for: TestTunes.jig, title: "jig", tempo: 120))
        let fills = Set(svg.children("rect").filter { $0.child("title") != nil }.map { $0.attributes["fill"] ?? "" })
        #expect(fills == ["rgb(47,109,181)"])
        #expect(!svg.children("text").map(\.text).contains("Melody"))
    }

    @Test func theLegendFitsAShortTune() throws {
        let note = Melody(notes: [Note(pitch: 60, start: 0, length: 4)], steps: 4)
        let svg = try ParsedElement.parse(PianoRoll.svg(for: Tune(voices: [note, note]), title: "t", tempo: 120))
        let width = try #require(svg.attributes["width"].flatMap(Double.init))
        let lastName = try #require(svg.children("text").last { $0.text == "Voice 2" })
        #expect(try #require(lastName.attributes["x"].flatMap(Double.init)) + 6 * 7 < width)
    }
}
