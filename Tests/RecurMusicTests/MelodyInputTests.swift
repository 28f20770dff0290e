import Foundation
import Testing

@testable import RecurMusic

/// A musician's melody read from ABC, MIDI or MusicXML into note tokens: the same tune
/// gives the same tokens, meter and key from every format, from handwritten files and
/// from Recur's own writers alike.
struct MelodyInputTests {
    /// A one-voice tune of `tokens` (real pitches, bar lines) in `key`.
    static func tune(_ tokens: String, meter: String, key: String, mode: Mode) throws -> Tune {
        let meter = try #require(Meter(meter))
        let decoded = try NoteEncoding(meters: [meter], modes: [mode]).decode(tokens.split(separator: " ").map(String.init))
        var tune = Tune(melody: decoded.melody, meter: meter, mode: mode, barLines: decoded.barLines)
        tune.key = Key(tonic: try #require(Tonic(key)), mode: mode)
        return tune
    }

    /// The notes and bar lines of a token text.
    static func decode(_ tokens: String) throws -> DecodedMelody {
        try NoteEncoding(meters: [], modes: []).decode(tokens.split(separator: " ").map(String.init))
    }

    func expect(
        _ input: MelodyInput, tokens: String, meter: String?, key: String?, mode: Mode?,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(input.tokens == tokens, "\(input.format)", sourceLocation: sourceLocation)
        #expect(input.meter == meter.flatMap(Meter.init), "\(input.format)", sourceLocation: sourceLocation)
        #expect(input.key == key.flatMap(Tonic.init), "\(input.format)", sourceLocation: sourceLocation)
        #expect(input.mode == mode, "\(input.format)", sourceLocation: sourceLocation)
    }

    // MARK: - Telling formats apart

    @Test func noteTokensPassThroughTrimmedAndUnread() throws {
        let tokens = try MelodyInput(text: "  n60 - - - | n62 -\n")
        #expect(tokens == MelodyInput(format: .tokens, tokens: "n60 - - - | n62 -", meter: nil, key: nil, mode: nil))
        // Headers that look like ABC fields, and words no reader knows, stay tokens for their own reader.
        for text in ["K:major n60 - - - |", "M:6/8 K:minor n64 - |\nK:minor n69", "n60 bogus"] {
            #expect(try MelodyInput(text: text).format == .tokens, "\(text)")
            #expect(try MelodyInput(data: Data(text.utf8)).tokens == text, "\(text)")
        }
    }

    @Test func anIndentedABCTuneInAJobReadsTheSame() throws {
        let indented = MelodyFixtures.keshABC.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
        #expect(try MelodyInput(text: indented).tokens == MelodyFixtures.kesh)
    }

    @Test func filesInOtherEncodingsAndLineEndsAreRead() throws {
        // UTF-8 with a byte-order mark and CRLF line ends, as Windows editors save.
        let crlf = MelodyFixtures.oldHundredthABC.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try MelodyInput(data: Data([0xEF, 0xBB, 0xBF]) + Data(crlf.utf8)).tokens == MelodyFixtures.oldHundredth)
        // Latin-1 ABC, as older tune collections are.
        let latin = try #require("X:1\nT:Café\nM:4/4\nL:1/4\nK:G\nG2 | G F E D | G A B2 |]".data(using: .isoLatin1))
        #expect(try MelodyInput(data: latin).tokens == MelodyFixtures.oldHundredth)
        // UTF-16 MusicXML with a byte-order mark.
        let wide = MelodyFixtures.oldHundredthMusicXML.replacingOccurrences(of: "encoding=\"UTF-8\"", with: "encoding=\"UTF-16\"")
        let utf16 = try #require(wide.data(using: .utf16))
        #expect(try MelodyInput(data: utf16).tokens == MelodyFixtures.oldHundredth)
    }

    // MARK: - One tune, every format

    @Test func oldHundredthReadsAlikeFromHandwrittenABCMusicXMLAndMIDI() throws {
        let inputs = [
            try MelodyInput(text: MelodyFixtures.oldHundredthABC),
            try MelodyInput(data: Data(MelodyFixtures.oldHundredthABC.utf8)),
            try MelodyInput(text: MelodyFixtures.oldHundredthMusicXML),
            try MelodyInput(data: Data(MelodyFixtures.oldHundredthMusicXML.utf8)),
            try MelodyInput(data: MelodyFixtures.oldHundredthMIDI),
            try MelodyInput(text: MelodyFixtures.oldHundredthMIDI.base64EncodedString(options: .lineLength76Characters)),
        ]
        #expect(inputs.map(\.format) == [.abc, .abc, .musicxml, .musicxml, .midi, .midi])
        for input in inputs {
            expect(input, tokens: MelodyFixtures.oldHundredth, meter: "4/4", key: "G", mode: .major)
        }
    }

    @Test func oldHundredthWrittenByRecurReadsBack() throws {
        let tune = try Self.tune(MelodyFixtures.oldHundredth, meter: "4/4", key: "G", mode: .major)
        let abc = try MelodyInput(text: ABCNotation.text(for: tune, title: "Old Hundredth", tempo: 100))
        let xml = try MelodyInput(text: MusicXML.document(for: tune, title: "Old Hundredth", tempo: 100))
        expect(abc, tokens: MelodyFixtures.oldHundredth, meter: "4/4", key: "G", mode: .major)
        expect(xml, tokens: MelodyFixtures.oldHundredth, meter: "4/4", key: "G", mode: .major)
        // Recur's MIDI holds no pickup (one 4/4 signature), so its bars count from the first note.
        let midi = try MelodyInput(data: MIDIFile.data(for: tune, configuration: RenderConfiguration()))
        expect(
            midi, tokens: "n67 - - - - - - - n67 - - - n66 - - - | n64 - - - n62 - - - n67 - - - n69 - - - | n71 - - - - - - - |",
            meter: "4/4", key: "G", mode: .major)
    }

    @Test func aDMinorTuneWithPickupDotsTieRestAndAccidentalsReadsAlikeEverywhere() throws {
        let handwritten = [
            try MelodyInput(text: MelodyFixtures.dMinorABC),
            try MelodyInput(text: MelodyFixtures.dMinorMusicXML),
            try MelodyInput(data: MelodyFixtures.dMinorMIDI),
        ]
        #expect(handwritten.map(\.format) == [.abc, .musicxml, .midi])
        for input in handwritten { expect(input, tokens: MelodyFixtures.dMinor, meter: "3/4", key: "D", mode: .minor) }

        let tune = try Self.tune(MelodyFixtures.dMinor, meter: "3/4", key: "D", mode: .minor)
        let abcText = ABCNotation.text(for: tune, title: "D minor", tempo: 90)
        #expect(abcText.contains("^c") && abcText.contains("=B"))  // the writer spells the accidentals
        expect(try MelodyInput(text: abcText), tokens: MelodyFixtures.dMinor, meter: "3/4", key: "D", mode: .minor)
        let xml = MusicXML.document(for: tune, title: "D minor", tempo: 90)
        expect(try MelodyInput(text: xml), tokens: MelodyFixtures.dMinor, meter: "3/4", key: "D", mode: .minor)
        let midi = try MelodyInput(data: MIDIFile.data(for: tune, configuration: RenderConfiguration()))
        expect(
            midi,
            tokens: "n69 - - - n74 - - - - - n76 - | n77 - - - n76 - - - n73 - - - | r - - - n74 - - - n71 - - - | "
                + "n69 - - - - - - - n77 - - n76 | n74 - - - |",
            meter: "3/4", key: "D", mode: .minor)
    }

    @Test func aJigWrittenByRecurReadsBackInItsKey() throws {
        let jig = TestTunes.jig  // E minor, 6/8: pickup, tie over a bar line, D#, F natural then F#, a rest
        let tokens =
            "n59 - | n64 - - n63 - n64 n65 - - n66 - n67 | n69 - - - - n67 - - - - - n66 | - - n64 - - n63 - - - - r - | "
            + "n64 - - - - - - - - - |"
        for input in [
            try MelodyInput(text: ABCNotation.text(for: jig, title: "jig", tempo: 120)),
            try MelodyInput(data: Data(MusicXML.document(for: jig, title: "jig", tempo: 120).utf8)),
        ] {
            expect(input, tokens: tokens, meter: "6/8", key: "E", mode: .minor)
        }
    }

    @Test func everyChoraleVoiceWrittenAloneReadsBackNoteForNote() throws {
        let chorale = TestTunes.chorale  // F major: ties, odd lengths, a bar of rest, B natural, E flat
        for voice in chorale.voices {
            var tune = Tune(melody: voice, meter: chorale.meter, mode: .major, barLines: chorale.barLines)
            tune.key = chorale.key
            for text in [ABCNotation.text(for: tune, title: "v", tempo: 90), MusicXML.document(for: tune, title: "v", tempo: 90)]
            {
                let input = try MelodyInput(text: text)
                let decoded = try Self.decode(input.tokens)
                #expect(decoded.melody.notes == voice.notes, "\(input.format)")
                #expect(decoded.barLines == tune.bars.map(\.upperBound), "\(input.format)")
                #expect(input.key == Tonic("F") && input.mode == .major && input.meter == Meter("4/4"))
            }
        }
    }

    // MARK: - ABC as musicians write it

    @Test func aJigFromTheSessionReadsWithRepeatsAsBarLines() throws {
        let input = try MelodyInput(text: MelodyFixtures.keshABC)
        expect(input, tokens: MelodyFixtures.kesh, meter: "6/8", key: "G", mode: .major)
    }

    @Test func decorationsChordSymbolsEndingsBrokenRhythmAndBarAccidentalsAreRead() throws {
        let input = try MelodyInput(text: MelodyFixtures.dorianABC)
        expect(input, tokens: MelodyFixtures.dorian, meter: "2/2", key: "E", mode: .dorian)
    }

    @Test(arguments: [
        // Lengths as multiples of L:, a default L: of a 16th below 3/4, rests z and x.
        ("M:4/4\nL:1/4\nK:C\nA3/2 A/ A// A/4 z x/ C2 |", "n69 - - - - - n69 - n69 n69 r - - - - - n60 - - - - - - - |"),
        ("M:2/4\nK:C\nCDEF GABc |", "n60 n62 n64 n65 n67 n69 n71 n72 |"),
        ("M:4/4\nL:1/4\nK:C\nA<B A>>B |", "n69 - n71 - - - - - n69 - - - - - - n71 |"),
        // Double accidentals, octave marks, an accidental to the end of its bar and no further.
        ("L:1/8\nK:C\n^^F __B C,, c'' | ^f f F f | f2 |", "n67 - n69 - n36 - n96 - | n78 - n78 - n65 - n78 - | n77 - - - |"),
        // A tie carries its accidental over the bar line; a tie to another pitch is no tie.
        ("L:1/8\nK:C\n^F2-|F2 A2-B2 |", "n66 - - - | - - - - n69 - - - n71 - - - |"),
        // K:none has no signature; K:D exp ^f only the given one; octave= moves the notes.
        ("M:none\nL:1/8\nK:none\nF2 B2 c2", "n65 - - - n71 - - - n72 - - - |"),
        ("L:1/8\nK:D exp ^f\nF2 c2 |", "n66 - - - n72 - - - |"),
        ("L:1/8\nK:G clef=bass octave=-1\nG2 F2 |", "n55 - - - n54 - - - |"),
        // Body fields: L: changes the unit, the same K: or M: again is no change, a K: before the
        // first note sets the key, [Q:] and w: lines are skipped, Z is whole bars of rest.
        (
            "M:4/4\nL:1/8\nK:C\nK:G\nF2 [L:1/16] F4 [K:G] [Q:1/4=90] F8 |\nw: la la la\nM:4/4\nZ2 | G8 |]",
            "n66 - - - n66 - - - n66 - - - - - - - | r - - - - - - - - - - - - - - - | - - - - - - - - - - - - - - - - | n67 - - - - - - - |"
        ),
        // One voice named by V: is one voice; the tune ends at a blank line or the next X:.
        ("L:1/8\nK:C\nV:1 clef=treble\nC2 D2 |\n[V:1] E2 F2 |\n\nG2 A2 |", "n60 - - - n62 - - - | n64 - - - n65 - - - |"),
        ("L:1/8\nK:C\nC8 |\nX:2\nK:D\nD8 |", "n60 - - - - - - - - - - - - - - - |"),
    ])
    func abcBodiesReadAsTheStandardSays(body: String, tokens: String) throws {
        let input = try MelodyInput(text: "X:1\nT:test\n" + body)
        #expect(input.format == .abc)
        #expect(input.tokens == tokens)
    }

    @Test func abcKeysAndMetersAreReportedAsWritten() throws {
        let cases: [(String, String?, String?, Mode?)] = [
            ("M:6/8\nK:F#m", "6/8", "F#", .minor), ("M:C\nK:Bb", "4/4", "Bb", .major),
            ("M:C|\nK:Ador", "2/2", "A", .dorian), ("M:3/4\nK:G Mixolydian", "3/4", "G", .mixolydian),
            ("M:none\nK:none", nil, nil, nil), ("K:Ebphr", nil, "Eb", .phrygian), ("M:2/4\nK:E lydian", "2/4", "E", .lydian),
            ("K:Bloc", nil, "B", .locrian), ("K:DAeolian", nil, "D", .minor), ("K:", nil, nil, nil),
        ]
        for (header, meter, key, mode) in cases {
            let input = try MelodyInput(text: "X:1\n\(header)\nC8|")
            #expect(input.meter == meter.flatMap(Meter.init), "\(header)")
            #expect(input.key == key.flatMap(Tonic.init), "\(header)")
            #expect(input.mode == mode, "\(header)")
        }
    }

    // MARK: - MIDI and MusicXML details

    @Test func midiWithoutSignaturesHasBarsOf44AndNoMeterOrKey() throws {
        // Two notes with a gap, a trailing rest to the track's end within the bar.
        let data = MIDIBytes.simple(
            [(0, [0x90, 60, 100]), (480, [0x80, 60, 0]), (960, [0x91, 62, 100]), (2880, [62, 0])], end: 3360)
        let input = try MelodyInput(data: data)
        expect(
            input, tokens: "n60 - - - r - - - n62 - - - - - - - | - - - - - - - - r - - - |", meter: nil, key: nil, mode: nil)
    }

    @Test func midiEndsWithTheLastNoteWhenTheTrackRunsOnPastTheBar() throws {
        let data = MIDIBytes.simple([(0, [0x90, 60, 100]), (480, [0x80, 60, 0])], end: 480 * 20)
        #expect(try MelodyInput(data: data).tokens == "n60 - - - r - - - - - - - - - - - |")
    }

    @Test func musicXMLWithoutModeNamesTheMajorTonicAndNoMode() throws {
        let xml = MelodyInputTests.musicXML(
            attributes: "<divisions>2</divisions><key><fifths>-3</fifths></key><time><senza-misura/></time>",
            measures: ["<note><pitch><step>E</step><alter>-1</alter><octave>4</octave></pitch><duration>4</duration></note>"])
        expect(try MelodyInput(text: xml), tokens: "n63 - - - - - - - |", meter: nil, key: "Eb", mode: nil)
    }

    /// A minimal partwise score: one part, `attributes` in the first measure.
    static func musicXML(attributes: String, measures: [String]) -> String {
        let body = measures.enumerated().map { index, notes in
            "<measure number=\"\(index + 1)\">" + (index == 0 ? "<attributes>\(attributes)</attributes>" : "") + notes
                + "</measure>"
        }
        return "<?xml version=\"1.0\"?><score-partwise version=\"4.0\"><part-list><score-part id=\"P1\"/></part-list>"
            + "<part id=\"P1\">" + body.joined() + "</part></score-partwise>"
    }

    @Test func keysFromFifthsAndModeKeepTheirSignature() throws {
        for mode in Mode.allCases {
            for fifths in -7...7 {
                let key = try #require(Key(fifths: fifths, mode: mode))
                #expect(key.fifths == fifths, "\(key)")
            }
        }
        #expect(Key(fifths: 1, mode: .minor)?.description == "E minor")
        #expect(Key(fifths: -6, mode: .minor)?.description == "Eb minor")
        #expect(Key(fifths: 2, mode: .dorian)?.description == "E dorian")
        #expect(Key(fifths: 8, mode: .major) == nil)
    }
}
