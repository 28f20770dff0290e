import Foundation
import RecurCore
import Testing

@testable import RecurMusic

extension MelodyInputTests {
    /// Truncated, damaged, random and hostile input ends in an error — never a crash, a
    /// hang or a huge result.
    struct Hostile {
        /// Reproducible random bytes from RecurCore's SplitMix64, not Foundation's generator.
        struct Bytes: RandomNumberGenerator {
            var generator: SplitMix64
            init(state: UInt64) { generator = SplitMix64(state: state) }
            mutating func next() -> UInt64 { generator.next() }
            mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
        }

        static func error(_ data: Data) -> MelodyInputError? {
            do {
                _ = try MelodyInput(data: data)
                return nil
            } catch {
                return error
            }
        }

        static func error(_ text: String) -> MelodyInputError? {
            do {
                _ = try MelodyInput(text: text)
                return nil
            } catch {
                return error
            }
        }

        // MARK: - MIDI

        @Test func aMIDIFileCutAtAnyByteIsRefusedAsMIDI() throws {
            let chorale = try MIDIFile.data(for: TestTunes.chorale, configuration: RenderConfiguration())
            for file in [MelodyFixtures.oldHundredthMIDI, MelodyFixtures.dMinorMIDI, chorale] {
                #expect(Self.error(file) == nil)
                for length in 4..<file.count {
                    let error = Self.error(file.prefix(length))
                    #expect(error?.format == .midi, "cut at \(length) of \(file.count)")
                }
            }
            // As a job's base64 string too.
            let small = MelodyFixtures.oldHundredthMIDI
            for length in 4..<small.count {
                #expect(Self.error(small.prefix(length).base64EncodedString())?.format == .midi, "cut at \(length)")
            }
        }

        @Test func randomBytesNeverCrashAndRandomMIDIIsRefused() throws {
            var random = Bytes(state: 2026)
            for round in 0..<600 {
                let body = random.bytes(Int.random(in: 0...300, using: &random))
                _ = Self.error(Data(body))  // any outcome but a crash
                // With a MIDI header in front, the random rest must be refused.
                var header = MIDIBytes.chunk("MThd", [0, UInt8(round % 2), 0, 1, 0x01, 0xE0])
                if round % 3 == 0 { header += Array("MTrk".utf8) + MIDIBytes.number(body.count, bytes: 4) }
                let error = Self.error(Data(header + body))
                if round % 3 != 0 { #expect(error?.format == .midi, "round \(round)") }
            }
        }

        @Test func randomTrackEventsNeverCrash() throws {
            var random = Bytes(state: 7)
            for _ in 0..<400 {
                // Plausible events: mostly note-ons and note-offs with small deltas, some junk.
                var track: [UInt8] = []
                for _ in 0..<Int.random(in: 1...60, using: &random) {
                    track += [UInt8.random(in: 0...3, using: &random)]
                    track += random.bytes(Int.random(in: 1...4, using: &random))
                }
                _ = Self.error(MIDIBytes.file(format: 0, division: 96, tracks: [track]))
            }
        }

        @Test func aTrackLengthPastTheEndIsRefusedNamingTheTrack() throws {
            var data = Data(MIDIBytes.chunk("MThd", [0, 0, 0, 1, 0x01, 0xE0]))
            data.append(contentsOf: Array("MTrk".utf8) + [0xFF, 0xFF, 0xFF, 0xF0] + [0x00, 0x90, 60, 90])
            let error = try #require(Self.error(data))
            #expect(
                "\(error)"
                    == "MIDI: track 1's length 4294967280 runs past the end of the file (4 bytes left): it is truncated or damaged"
            )
        }

        @Test(arguments: [
            // Huge delta times: a note after 100 deltas of 0x0FFFFFFF ticks, and one that long.
            (
                Array(Array(repeating: [0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0x01, 0x00] as [UInt8], count: 100).joined())
                    + [0x00, 0x90, 60, 90, 0x83, 0x60, 60, 0], "lasts more than 16384 16th notes"
            ),
            ([0x00, 0x90, 60, 90, 0xFF, 0xFF, 0xFF, 0x7F, 60, 0], "lasts more than 16384 16th notes"),
            ([0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x90, 60, 90], "runs past four bytes"),
            ([0x00, 60, 90], "a data byte with no status byte before it"),
            ([0x00, 0xF4, 0x00], "the status byte 0xF4"),
            ([0x00, 0x90, 0xC0, 0x40], "a data byte above 127"),
            ([0x00, 0xFF, 0x03, 0x20, 0x41], "runs past the end of its track"),
            ([0x00, 0xF0, 0x81], "runs past the end of its track"),
        ])
        func damagedTracksAreRefusedByWhatIsWrong(track: [UInt8], message: String) throws {
            let error = try #require(Self.error(MIDIBytes.file(format: 0, division: 480, tracks: [track])))
            #expect(error.format == .midi)
            #expect("\(error)".contains(message), "\(error)")
        }

        @Test func damagedHeadersAreRefused() throws {
            let cases: [([UInt8], String)] = [
                (Array("MThd".utf8) + [0, 0, 0, 6, 0, 0], "the header is cut short"),
                (Array("MThd".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0, 96], "does not fit the file"),
                (MIDIBytes.chunk("MThd", [0, 0, 0, 0, 0, 96]), "0 tracks"),
                (MIDIBytes.chunk("MThd", [0, 9, 0, 1, 0, 96]), "format 9"),
                (MIDIBytes.chunk("MThd", [0, 1, 0xFF, 0xFF, 0, 96]), "promises 65535 tracks"),
            ]
            for (bytes, message) in cases {
                let error = try #require(Self.error(Data(bytes)))
                #expect("\(error)".contains(message), "\(error)")
            }
        }

        // MARK: - MusicXML

        @Test func deepXMLIsRefusedBeforeItCostsAnything() throws {
            let deep = "<score-partwise><part id=\"P1\">" + String(repeating: "<measure>", count: 200_000)
            let error = try #require(Self.error(deep))
            #expect("\(error)".contains("elements nest more than 64 deep"), "\(error)")
            let outside = "<score-partwise>" + String(repeating: "<x>", count: 200_000) + "<part id=\"P1\"/>"
            #expect(Self.error(outside).map { "\($0)".contains("nest") } == true)
        }

        @Test func brokenXMLIsRefusedWhereverItIsCut() throws {
            let xml = MelodyFixtures.oldHundredthMusicXML
            let partEnd = try #require(xml.range(of: "</part>")).lowerBound
            var index = xml.startIndex
            while index < partEnd {
                let error = Self.error(String(xml[..<index]))
                #expect(error != nil, "cut at \(xml.distance(from: xml.startIndex, to: index))")
                index = xml.index(index, offsetBy: 37, limitedBy: partEnd) ?? partEnd
            }
            let mismatched = "<score-partwise><part id=\"P1\"><measure><attributes></measure></part></score-partwise>"
            #expect(Self.error(mismatched).map { "\($0)".contains("not well-formed") } == true)
        }

        @Test func entitiesAreRefusedSoNoDocumentCanExpand() throws {
            let laughs =
                "<?xml version=\"1.0\"?><!DOCTYPE score-partwise [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;\">]>"
                + "<score-partwise><part id=\"P1\"><measure><note>&b;</note></measure></part></score-partwise>"
            let error = try #require(Self.error(laughs))
            #expect("\(error)".contains("defines XML entities"))
        }

        @Test func hugeNumbersInMusicXMLAreRefusedNotOverflowed() throws {
            for duration in ["99999999999999999999", "-4", "4e9", "9223372036854775807"] {
                let xml = MelodyInputTests.musicXML(
                    attributes: "<divisions>1</divisions>",
                    measures: ["<note><pitch><step>C</step><octave>4</octave></pitch><duration>\(duration)</duration></note>"])
                #expect(Self.error(xml) != nil, "\(duration)")
            }
            let alter = MelodyInputTests.musicXML(
                attributes: "<divisions>1</divisions>",
                measures: [
                    "<note><pitch><step>C</step><alter>1e300</alter><octave>4</octave></pitch><duration>1</duration></note>"
                ])
            #expect(Self.error(alter) != nil)
        }

        // MARK: - ABC and text

        @Test(arguments: [
            ("X:1\nT:nothing\nK:G\n", "ABC: holds no note"),
            ("X:1\nT:headers only\nM:4/4\nK:G\n\n", "ABC: holds no note"),
            ("X:1\nK:G\nz4 | z4 |", "ABC: holds no note"),
            ("X:1\nK:C\nC99999999999999999999 |", "lasts more than 16384"),
            ("X:1\nK:C\nC////////////////////////////// |", "off the 16th-note grid"),
            ("X:1\nM:4/4\nK:C\nZ999999999 |", "lasts more than 16384"),
            ("X:1\nL:9999/1\nK:C\nC9999 |", "lasts more than 16384"),
            ("X:1\nK:C\n" + String(repeating: "C8", count: 20_000), "lasts more than 16384"),
            ("X:1\nK:C\n" + String(repeating: "{", count: 50_000), "a grace note {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{…;"),
            ("X:1\nK:C\nC2 [", "\"[\" without its closing ]"),
            ("   \n\t ", "the input is empty"),
            ("TVRoZ@", "is not valid base64"),
            ("n60 - \u{0}\u{1} -", "binary data"),
        ])
        func hostileTextIsRefused(text: String, message: String) throws {
            let error = try #require(Self.error(text))
            #expect("\(error)".contains(message), "\(error)")
        }

        @Test func randomTextNeverCrashesAReader() throws {
            var random = Bytes(state: 99)
            let alphabet = Array("ABCDEFGabcdefgzxZ^_=,'/<>-|:[]{}()!+\"%\\0123456789 \nKLMVXT&.~")
            for _ in 0..<500 {
                let body = String(
                    (0..<Int.random(in: 0...120, using: &random)).map { _ in alphabet.randomElement(using: &random) ?? " " })
                _ = Self.error("X:1\nM:6/8\nL:1/8\nK:Ador\n" + body)
                _ = Self.error(
                    "<score-partwise><part id=\"P1\"><measure><attributes><divisions>2</divisions></attributes>" + body)
            }
        }
    }
}
