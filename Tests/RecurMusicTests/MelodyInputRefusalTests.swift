import Foundation
import Testing

@testable import RecurMusic

extension MelodyInputTests {
    /// What a reader cannot turn into one voice on the 16th-note grid is refused, naming
    /// the format, the bar and beat where it stands, and what to do.
    struct Refusals {
        typealias Problem = MelodyInputError.Problem

        /// The error reading `text` throws; nil (and an issue) when it reads.
        static func refusal(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> MelodyInputError? {
            #expect(throws: MelodyInputError.self, sourceLocation: sourceLocation) { try MelodyInput(text: text) }
        }

        static func refusal(_ data: Data, sourceLocation: SourceLocation = #_sourceLocation) -> MelodyInputError? {
            #expect(throws: MelodyInputError.self, sourceLocation: sourceLocation) { try MelodyInput(data: data) }
        }

        static func abc(_ body: String, meter: String = "4/4") -> String {
            "X:1\nT:refused\nM:\(meter)\nL:1/8\nK:G\n" + body
        }

        // MARK: - ABC

        @Test(arguments: [
            ("GABc | d2 [CEG]2 d4 |", Problem.chord("[CEG]"), 2, 2),
            ("G2 | A8 | B4 [CE]4 |", .chord("[CE]"), 3, 3),  // a pickup is bar 1
            ("V:1\nGABc |\nV:2\nDEFG |", .secondVoice("V:2"), 2, 1),
            ("G2 A2 & B2 c2 |", .secondVoice("& (a voice overlay)"), 1, 3),
            ("G2 (3ABc d4 |", .tuplet("(3"), 1, 2),
            ("G2 {g}A2 B4 |", .graceNote("{g}"), 1, 2),
            ("G8 | [M:3/4] G6 |", .change("meter from M:4/4 to M:3/4"), 2, 1),
            ("G8 |\nM:6/8\nG6 |", .change("meter from M:4/4 to M:6/8"), 2, 1),
            ("G8 |\nK:D\nA8 |", .change("key to K:D"), 2, 1),
            ("G4 [K:Em] A4 |", .change("key to K:Em"), 1, 3),
            ("G2 A/4 |", .offGrid("A/4 lasts 1/32 of a whole note"), 1, 2),
            ("G2 A/>B/ |", .offGrid("A/ lasts 3/32 of a whole note"), 1, 2),
            ("G2 * A2 |", .unknownSymbol("\"*\""), 1, 2),
            ("G2 ^/A2 |", .unknownSymbol("\"^/\""), 1, 2),
            ("G2 c'''''' |", .outOfRange("c'''''' (n144)"), 1, 2),
            ("G2 > | A2 |", .malformed("a broken rhythm (> or <) needs a note or rest on each side in one bar, as in A>B"), 1, 2),
            ("G2 \"Am A2 |", .malformed("a chord symbol or annotation \"Am A2 | has no closing quote; close it with \""), 1, 2),
            ("G2 [K:D A2 |", .malformed("the inline field [K:D A2 | has no closing ]; close it with ]"), 1, 2),
        ])
        func abcRefusalsNameBarAndBeat(body: String, problem: Problem, bar: Int, beat: Int) throws {
            let error = try #require(Self.refusal(Self.abc(body)))
            #expect(error.problem == problem)
            #expect(error.format == .abc)
            #expect(error.bar == bar)
            #expect(error.beat == beat)
        }

        @Test func abcRefusalsPrintAsAMusicianSaysThem() throws {
            let chord = try #require(Self.refusal(Self.abc("GABc | d2 [CEG]2 d4 |")))
            #expect("\(chord)" == "ABC, bar 2, beat 2: a chord [CEG]; give one voice, one note at a time")
            let grid = try #require(Self.refusal(Self.abc("G2 A/4 |")))
            #expect(
                "\(grid)"
                    == "ABC, bar 1, beat 2: A/4 lasts 1/32 of a whole note, off the 16th-note grid; give every note and rest in whole 16th notes"
            )
        }

        @Test func abcBeatsAreTheMetersBeats() throws {
            // 6/8 beats in dotted quarters: the chord starts the second beat of bar 2.
            let error = try #require(Self.refusal(Self.abc("G3 A3 | B3 [ce]3 |", meter: "6/8")))
            #expect(error.problem == .chord("[ce]"))
            #expect(error.bar == 2 && error.beat == 2)
        }

        @Test(arguments: [
            ("X:1\nM:5+3/8\nK:C\nC8|", "M:5+3/8 is not a meter this reader knows"),
            ("X:1\nK:HP\nA8|", "the Highland pipes' key"),
            ("X:1\nK:Q\nA8|", "\"Q\" is not a tonic, mode, accidental or clef"),
            ("X:1\nK:G blues\nA8|", "\"blues\" is not a tonic, mode, accidental or clef"),
            ("X:1\nL:0\nK:C\nC8|", "L:0 is not a note length"),
            ("X:1\nT:no key\nCDEF|", "the tune has no K: line"),
            ("X:1\nV:1\nV:2\nK:C\nC8|", "a second voice (V:2)"),
            ("X:1\nM:none\nK:C\nC8 | Z2 |", "a rest of whole bars, with no meter"),
        ])
        func abcHeadersThatCannotBeReadAreRefusedByName(text: String, message: String) throws {
            let error = try #require(Self.refusal(text))
            #expect(error.format == .abc)
            #expect("\(error)".contains(message), "\(error)")
        }

        // MARK: - MIDI

        @Test func midiChordsOverlapsAndNotesOffTheGridAreRefusedWhereTheyStand() throws {
            let chord = try #require(
                Self.refusal(
                    MIDIBytes.simple([(0, [0x90, 60, 90]), (0, [64, 90]), (480, [60, 0]), (480, [64, 0])])))
            #expect(chord.problem == .chord("n60 with n64"))
            #expect(chord.bar == 1 && chord.beat == 1)

            let overlap = try #require(
                Self.refusal(
                    MIDIBytes.simple([(0, [0x90, 60, 90]), (480, [62, 90]), (600, [0x80, 60, 0]), (960, [62, 0])])))
            #expect(overlap.problem == .overlap("n60 still sounds when n62 starts"))
            #expect(overlap.bar == 1 && overlap.beat == 2)
            #expect(
                "\(overlap)"
                    == "MIDI, bar 1, beat 2: n60 still sounds when n62 starts: two notes at once; give one voice, one note at a time"
            )

            let late = try #require(
                Self.refusal(
                    MIDIBytes.simple([(0, [0x90, 60, 90]), (480, [60, 0]), (2000, [62, 90]), (2400, [62, 0])])))
            #expect(late.problem == .offGrid("n62 starts 40 ticks (of 120 a 16th) from the nearest 16th"))
            #expect(late.bar == 2 && late.beat == 1)

            let short = try #require(
                Self.refusal(MIDIBytes.simple([(0, [0x90, 60, 90]), (10, [60, 0]), (480, [0xFF, 0x01, 0])])))
            #expect(short.problem == .offGrid("n60 lasts 10 ticks, less than a 16th"))
        }

        @Test func midiAChangeOfMeterMidTuneIsRefusedButAPickupBarIsNot() throws {
            let threeFour: [UInt8] = [0xFF, 0x58, 0x04, 0x03, 0x02, 0x18, 0x08]
            var events: [(tick: Int, bytes: [UInt8])] = [(3840, threeFour)]
            for bar in 0..<5 { events += [(bar * 1920, [0x90, 60, 90]), (bar * 1920 + 480, [0x80, 60, 0])] }
            events.sort { $0.tick < $1.tick }
            let error = try #require(Self.refusal(MIDIBytes.simple(events)))
            #expect(error.problem == .change("meter from 4/4 to 3/4"))
            #expect(error.bar == 3 && error.beat == 1)
        }

        @Test(arguments: [
            (MIDIBytes.file(format: 0, division: 0xE728, tracks: [[0x00, 0xFF, 0x2F, 0x00]]), "SMPTE frames"),
            (MIDIBytes.file(format: 2, division: 480, tracks: [[0x00, 0xFF, 0x2F, 0x00]]), "format 2"),
            (MIDIBytes.file(format: 0, division: 480, tracks: [[0x00, 0xFF, 0x2F, 0x00]]), "holds no note"),
            (
                MIDIBytes.simple([(0, [0xFF, 0x58, 0x04, 0x05, 0x05, 0x18, 0x08]), (0, [0x90, 60, 90]), (480, [60, 0])]),
                "over 2^5"
            ),
            (MIDIBytes.simple([(0, [0xFF, 0x59, 0x02, 0x09, 0x00]), (0, [0x90, 60, 90]), (480, [60, 0])]), "9 sharps"),
        ])
        func midiFilesThisReaderCannotUseAreRefusedByName(data: Data, message: String) throws {
            let error = try #require(Self.refusal(data))
            #expect(error.format == .midi)
            #expect("\(error)".contains(message), "\(error)")
        }

        // MARK: - MusicXML

        static let fourFour = "<divisions>4</divisions><time><beats>4</beats><beat-type>4</beat-type></time>"

        static func note(_ step: String, _ octave: Int, _ duration: Int, _ extra: String = "") -> String {
            "<note>\(extra)<pitch><step>\(step)</step><octave>\(octave)</octave></pitch><duration>\(duration)</duration></note>"
        }

        @Test(arguments: [
            (
                [note("C", 4, 4) + note("E", 4, 4) + note("G", 4, 4, "<chord/>") + note("C", 5, 8)],
                Problem.chord("(G4 with E4)"), 1, 2
            ),
            (
                [note("C", 4, 16), note("C", 4, 16) + "<backup><duration>16</duration></backup>" + note("E", 3, 16)],
                .secondVoice("<backup>"), 2, 1
            ),
            ([note("C", 4, 8) + "<forward><duration>8</duration></forward>"], .secondVoice("<forward>"), 1, 3),
            (
                [note("C", 4, 4) + "<note><grace/><pitch><step>D</step><octave>4</octave></pitch></note>" + note("E", 4, 12)],
                .graceNote("(D4)"), 1, 2
            ),
            (
                [
                    note("C", 4, 4) + "<note><pitch><step>D</step><octave>4</octave></pitch><duration>4</duration>"
                        + "<time-modification><actual-notes>3</actual-notes><normal-notes>2</normal-notes></time-modification></note>"
                ],
                .tuplet("(D4 in a <time-modification>)"), 1, 2
            ),
            (
                [
                    note("C", 4, 16),
                    "<attributes><key><fifths>2</fifths><mode>major</mode></key></attributes>" + note("D", 4, 16),
                ],
                .change("key from C major to D major"), 2, 1
            ),
            (
                [
                    note("C", 4, 16), note("D", 4, 16),
                    "<attributes><time><beats>3</beats><beat-type>4</beat-type></time></attributes>",
                ],
                .change("meter from 4/4 to 3/4"), 3, 1
            ),
            (
                [
                    note("C", 4, 4)
                        + "<note><unpitched><display-step>E</display-step><display-octave>4</display-octave></unpitched>"
                        + "<duration>4</duration></note>"
                ], .unsupported("an unpitched (percussion) note; give a melody of pitched notes"), 1, 2
            ),
            (
                [
                    note("C", 4, 4)
                        + "<note><pitch><step>D</step><alter>0.5</alter><octave>4</octave></pitch><duration>4</duration></note>"
                ],
                .unsupported("D4 is altered by 0.5 semitones; give whole semitones (no microtones)"), 1, 2
            ),
        ])
        func musicXMLRefusalsNameMeasureAndBeat(measures: [String], problem: Problem, bar: Int, beat: Int) throws {
            let xml = MelodyInputTests.musicXML(
                attributes: Self.fourFour + "<key><fifths>0</fifths><mode>major</mode></key>", measures: measures)
            let error = try #require(Self.refusal(xml))
            #expect(error.problem == problem)
            #expect(error.format == .musicxml)
            #expect(error.bar == bar)
            #expect(error.beat == beat)
        }

        @Test func musicXMLDurationsOffTheGridNameTheMeasureNumberAsWritten() throws {
            // A pickup measure numbered 0, then measure 1 with a 32nd (1 of 8 divisions a quarter).
            let xml = """
                <score-partwise><part id="P1">
                <measure number="0" implicit="yes"><attributes><divisions>8</divisions></attributes>\(Self.note("G", 4, 8))</measure>
                <measure number="1">\(Self.note("C", 5, 8))\(Self.note("D", 5, 1))</measure>
                </part></score-partwise>
                """
            let error = try #require(Self.refusal(xml))
            #expect(error.problem == .offGrid("D5 lasts 1 of 8 divisions a quarter"))
            #expect(error.bar == 1 && error.beat == 2)
            #expect(
                "\(error)"
                    == "MusicXML, bar 1, beat 2: D5 lasts 1 of 8 divisions a quarter, off the 16th-note grid; give every note and rest in whole 16th notes"
            )
        }

        @Test(arguments: [
            (
                "<score-partwise><part id=\"P1\"><measure number=\"1\">\(note("C", 4, 4))</measure></part></score-partwise>",
                "comes before any <divisions>"
            ),
            ("<score-partwise><part-list/></score-partwise>", "the score has no <part>"),
            (
                "<score-partwise><part id=\"P1\"><measure><note><rest/><duration>4</duration></note></measure></part></score-partwise>",
                "comes before any <divisions>"
            ),
            ("<score-timewise><measure/></score-timewise>", "a timewise score"),
            ("<opus><title>x</title></opus>", "XML without <score-partwise>"),
        ])
        func musicXMLThatIsNoScoreIsRefusedByName(text: String, message: String) throws {
            let error = try #require(Self.refusal(text))
            #expect(error.format == .musicxml)
            #expect("\(error)".contains(message), "\(error)")
        }

        @Test func compressedMusicXMLIsRefusedSayingToExportItUncompressed() throws {
            var zip = Data("PK".utf8)
            zip.append(contentsOf: [0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00] + [UInt8](repeating: 0x5A, count: 40))
            let fromFile = try #require(Self.refusal(zip))
            let fromJob = try #require(Self.refusal(zip.base64EncodedString()))
            for error in [fromFile, fromJob] {
                #expect(error == MelodyInputError(format: .musicxml, problem: .compressed))
                #expect(
                    "\(error)"
                        == "MusicXML: a compressed MusicXML file (.mxl); export uncompressed MusicXML (.musicxml or .xml) instead"
                )
            }
        }
    }
}
