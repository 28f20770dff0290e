import CSndFile
import Foundation
import RecurMusic
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

private func tokens(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

/// `recur.notes/2`: headers, bar lines, keys, and the formats that read them.
struct StructuredTuneTests {
    static let encoding = NoteEncoding(
        meters: [Meter("6/8")!, Meter("2/4")!, Meter("4/4")!, Meter("3/4")!], modes: [.major, .minor, .dorian])

    // MARK: - Encoding

    @Test func theEncodingNamesItsMetersAndModesAndRoundTrips() throws {
        let json = Self.encoding.json
        #expect(json.contains(#""format":"recur.notes/2""#))
        #expect(json.contains(#""meters":["2/4","3/4","4/4","6/8"]"#))
        #expect(json.contains(#""modes":["major","minor","dorian"]"#))
        let back = try NoteEncoding(json: json)
        #expect(back == Self.encoding)
        #expect(back.isStructured)
        #expect(back.vocabulary.suffix(8) == ["|", "M:2/4", "M:3/4", "M:4/4", "M:6/8", "K:major", "K:minor", "K:dorian"])
        // A plain encoding stays recur.notes/1 and writes no meters and no warm-up.
        #expect(!NoteEncoding.standard.json.contains("meters"))
        #expect(NoteEncoding.standard.warmup.isEmpty)
        #expect(back.warmup == NoteEncoding.defaultWarmup)
        #expect(TuneOptions.warmup(for: back, vocabulary: ["<eos>", "n60", "-", "|"]) == NoteEncoding.defaultWarmup)
        #expect(TuneOptions.warmup(for: back, vocabulary: ["<eos>", "n62", "-", "|"]).isEmpty)  // no n60: no warm-up
    }

    @Test func aCorpusVocabularyWithHeadersIsStructured() {
        let structured = NoteEncoding(vocabulary: ["<eos>", "r", "-", "n60", "|", "M:6/8", "K:minor", "K:major", "%"])
        #expect(structured.format == NoteEncoding.structuredFormatName)
        #expect(structured.meters == [Meter("6/8")!])
        #expect(structured.modes == [.major, .minor])
        #expect(structured.markers == ["%"])
        let plain = NoteEncoding(vocabulary: ["<eos>", "r", "-", "n60"])
        #expect(plain == NoteEncoding.standard)
    }

    @Test(arguments: [
        (#"{"format":"recur.notes/2","steps_per_quarter":4,"lowest_pitch":21,"highest_pitch":108,"meters":["7/7"]}"#, "meters"),
        (#"{"format":"recur.notes/2","steps_per_quarter":4,"lowest_pitch":21,"highest_pitch":108,"modes":["blues"]}"#, "modes"),
        (#"{"format":"recur.notes/3","steps_per_quarter":4,"lowest_pitch":21,"highest_pitch":108}"#, "format"),
    ])
    func badEncodingsAreRefusedNamingTheField(json: String, field: String) {
        #expect {
            _ = try NoteEncoding(json: json)
        } throws: { error in
            "\(error)".contains(field)
        }
    }

    // MARK: - Decoding

    @Test func headersAndBarLinesAreRead() throws {
        let decoded = try Self.encoding.decode(
            tokens("M:6/8 K:dorian n62 - | n62 - - n64 - - n65 - - n67 - - | n69 - - - - - | <eos>"))
        #expect(decoded.meter == Meter(numerator: 6, denominator: 8))
        #expect(decoded.mode == .dorian)
        #expect(decoded.barLines == [2, 14, 20])
        #expect(decoded.melody.steps == 20)
        #expect(decoded.melody.notes.first == Note(pitch: 62, start: 0, length: 2))
        let tune = decoded.tune
        #expect(tune.bars == [0..<2, 2..<14, 14..<20])
        #expect(tune.key == Key(tonic: Tonic("D")!, mode: .dorian))
    }

    @Test func oddStreamsAreForgiven() throws {
        // A bar line first, two in a row, a header in the middle: ignored or counted.
        let decoded = try Self.encoding.decode(tokens("| M:4/4 n60 - - - | | K:minor M:2/4 n62 - - -"))
        #expect(decoded.meter == Meter("4/4"))
        #expect(decoded.mode == nil)
        #expect(decoded.misplacedHeaders == 2)
        #expect(decoded.barLines == [4])
        // Without bar lines, bars follow the meter from the first step.
        let plain = try Self.encoding.decode(tokens("M:3/4 n60 - - - - - - - - - - - n62 - - -")).tune
        #expect(plain.bars == [0..<12, 12..<16])
        // Without a meter, 4/4.
        #expect(try Self.encoding.decode(tokens("n60 - - - - - - - - - - - - - - - - -")).tune.bars.count == 2)
        // A tune of headers alone is empty.
        #expect(throws: NoteDecodingError.self) { try Self.encoding.decode(tokens("M:6/8 K:minor <eos>")) }
    }

    @Test(arguments: [("M:5/7", "M:N/D"), ("M:x", "M:N/D"), ("K:blues", "K:major"), ("K:", "K:dorian")])
    func malformedHeadersAreRefusedByName(token: String, mentions: String) {
        do {
            _ = try Self.encoding.decode(tokens("n60 - \(token) n62"))
            Issue.record("\(token) decoded")
        } catch {
            #expect(error.problem == .unknownHeader(token))
            #expect(error.index == 2)
            #expect(error.description.contains(token.debugDescription))
            #expect(error.description.contains(mentions), "\(error)")
        }
    }

    // MARK: - Keys

    @Test(arguments: [
        ("C", Mode.major, 0), ("A", .minor, 0), ("E", .minor, 1), ("E", .dorian, 2), ("F#", .minor, 3), ("Bb", .major, -2),
        ("Eb", .minor, -6), ("D#", .minor, 6), ("G", .mixolydian, 0), ("F", .lydian, 0), ("C#", .major, 7), ("Cb", .major, -7),
        ("B", .major, 5), ("D", .mixolydian, 1),
    ])
    func keySignaturesCountSharpsAndFlats(tonic: String, mode: Mode, fifths: Int) {
        #expect(Key(tonic: Tonic(tonic)!, mode: mode).fifths == fifths, "\(tonic) \(mode)")
    }

    @Test(arguments: [
        (66, "D", Mode.major, "F#4"), (68, "A", .minor, "G#4"), (61, "D", .minor, "C#4"), (66, "G", .minor, "F#4"),
        (65, "F#", .minor, "E#4"), (60, "C#", .minor, "B#3"), (71, "F", .major, "B4"), (65, "G", .major, "F4"),
        (63, "E", .minor, "D#4"), (63, "F", .major, "Eb4"), (70, "C", .major, "A#4"), (62, "E", .dorian, "D4"),
    ])
    func notesOffTheScaleAreSpelledAsMusiciansWriteThem(pitch: Int, tonic: String, mode: Mode, name: String) {
        #expect(PianoRoll.noteName(pitch, key: Key(tonic: Tonic(tonic)!, mode: mode)) == name)
    }

    @Test func aKeyMovesTheTuneByTheSmallestInterval() throws {
        let minor = try Self.encoding.decode(tokens("M:2/4 K:minor n69 - n72 - | n76 - - - |")).tune
        let eMinor = minor.inKey(Tonic("E")!)
        #expect(eMinor.melody.notes.map(\.pitch) == [64, 67, 71])  // down a fourth, not up a fifth
        #expect(eMinor.key.description == "E minor")
        #expect(eMinor.bars == minor.bars)
        let dorian = try Self.encoding.decode(tokens("K:dorian n62 - - -")).tune.inKey(Tonic("E")!)
        #expect(dorian.melody.notes.map(\.pitch) == [64])
        #expect(Tonic("H") == nil && Tonic("E#b") == nil && Tonic("") == nil)
        #expect(Tonic("f♯")?.description == "F#")
    }

    // MARK: - ABC

    @Test func abcHasTheHeaderFieldsAndBars() throws {
        let tune = try Self.encoding.decode(tokens("M:6/8 K:minor n64 - | n69 - - n71 - n72 n74 - - n76 - - | n69 - - - - - |"))
            .tune
        let abc = ABCNotation.text(for: tune.inKey(Tonic("E")!), reference: 3, title: "folk 1 (seed 7)", tempo: 100)
        let lines = abc.split(separator: "\n").map(String.init)
        #expect(lines.prefix(6) == ["X:3", "T:folk 1 (seed 7)", "M:6/8", "L:1/8", "Q:1/4=100", "K:Em"])
        // A pickup, then bars beamed in dotted quarters; F# comes from the signature.
        #expect(lines.count == 7)
        #expect(lines[6] == "B, | E3/FG/ A3/B3/ | E3 |]", "\(abc)")
        let read = try ABCReader(abc)
        #expect(read.pitches == [59, 64, 66, 67, 69, 71, 64])
        #expect(read.barSteps == [2, 12, 6])
    }

    @Test(arguments: ["2/4", "3/4", "4/4", "6/8", "9/8", "2/2", "3/8", "4/2"])
    func everyMeterWritesBarsThatAddUp(meter: String) throws {
        let steps = Meter(meter)!.stepsPerBar
        // A pickup of 3, three full bars with notes of awkward lengths (5, 7, 11 steps) that
        // cross bar lines, a rest, and a short last bar completing the pickup.
        var melody: [String] = ["n67", "-", "-", "|"]
        let lengths = [5, 7, 11, 1, 3, 9, 2]
        var written = 0
        var bar = 0
        var pitch = 60
        for length in lengths.cycled(count: 3 * steps) {
            for step in 0..<length {
                guard written < 3 * steps else { break }
                melody.append(step == 0 ? (pitch % 5 == 0 ? "r" : "n\(pitch)") : "-")
                written += 1
                bar += 1
                if bar == steps {
                    melody.append("|")
                    bar = 0
                }
            }
            pitch += 1
        }
        melody += ["n72"] + Array(repeating: "-", count: steps - 4) + ["|"]
        let tune = try Self.encoding.decode(["M:\(meter)"] + melody).tune
        let abc = ABCNotation.text(for: tune, title: "t", tempo: 120)
        let read = try ABCReader(abc)
        #expect(read.barSteps == [3, steps, steps, steps, steps - 3], "\(abc)")
        #expect(read.notes == tune.melody.notes, "\(abc)")
        #expect(abc.contains("M:\(meter)"))
    }

    @Test func accidentalsAreExplicitOffTheSignatureAndRepeatedInTheBar() throws {
        // In G major: F# is in the signature, F natural is not; C# twice in one bar.
        let melody = Melody(
            notes: [66, 65, 66, 73, 73, 72].enumerated().map { Note(pitch: $0.element, start: 2 * $0.offset, length: 2) },
            steps: 16)
        var tune = Tune(melody: melody, meter: Meter("4/4"), mode: .major)
        tune = tune.inKey(Tonic("G")!)
        let moved = tune.melody.notes.map(\.pitch)
        let abc = ABCNotation.text(for: tune, title: "t", tempo: 120)
        #expect(abc.contains("K:G\n"))
        let read = try ABCReader(abc)
        #expect(read.pitches == moved, "\(abc)")
        let flat = Tune(melody: melody, meter: Meter("4/4"), mode: .major).inKey(Tonic("Bb")!)
        #expect(try ABCReader(ABCNotation.text(for: flat, title: "t", tempo: 120)).pitches == flat.melody.notes.map(\.pitch))
    }

    // MARK: - MIDI, SVG, MP3

    @Test func midiCarriesTheTimeAndKeySignatures() throws {
        let tune = try Self.encoding.decode(tokens("M:6/8 K:minor n69 - - - - - |")).tune.inKey(Tonic("E")!)
        let data = try MIDIFile.data(for: tune, configuration: RenderConfiguration())
        let events = try MIDIReader(data).events
        let time = try #require(events.first { $0.metaType == 0x58 })
        #expect(time.data == [6, 3, 36, 8])  // 6/8, a click every dotted quarter
        let key = try #require(events.first { $0.metaType == 0x59 })
        #expect(key.data == [1, 1])  // one sharp, minor
        let flat = try MIDIFile.data(
            for: Tune(melody: tune.melody, meter: Meter("3/4"), mode: .major).inKey(Tonic("Bb")!),
            configuration: RenderConfiguration())
        let flatEvents = try MIDIReader(flat).events
        #expect(flatEvents.first { $0.metaType == 0x59 }?.data == [0xFE, 0])
        #expect(flatEvents.first { $0.metaType == 0x58 }?.data == [3, 2, 24, 8])
    }

    @Test func thePianoRollIsWellFormedSVGWithANoteForEveryNote() throws {
        let tune = try Self.encoding.decode(tokens("M:2/4 K:major n60 - n64 - | n67 - - - | r - n72 - | n71 - - - |")).tune
        let svg = PianoRoll.svg(for: tune.inKey(Tonic("F#")!), title: "tune <1> & more", tempo: 90)
        let parser = XMLParser(data: Data(svg.utf8))
        let counter = ElementCounter()
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        #expect(counter.counts["svg"] == 1)
        #expect(counter.counts["title"] == tune.melody.notes.count)
        #expect(counter.texts.contains("tune <1> & more"))
        #expect(counter.texts.contains("F#4"))  // the lowest note, spelled in F# major
        #expect(counter.texts.contains { $0.contains("F# major, 2/4, 4 bars") })
    }

    @Test func mp3IsWrittenAndReadsBackThroughLibsndfile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/tune.mp3"
        let configuration = RenderConfiguration(tempo: 120, instrument: .organ, sampleRate: 44100, channels: 2)
        let report = try MusicRenderer.render(
            tokens: tokens("n69 - - - - - - - - - - - - - - -"), configuration: configuration,
            format: .mp3, to: path)
        let contents = try SoundFile.read(path)
        #expect(contents.format & SF_FORMAT_TYPEMASK == SF_FORMAT_MPEG)
        #expect(contents.audio.sampleRate == 44100)
        #expect(contents.audio.channels == 2)
        // MP3 frames pad the start and end; the tune is all there.
        #expect(contents.audio.frames >= report.frames)
        #expect(contents.audio.frames < report.frames + 4 * 1152)
        #expect(contents.audio.peak > 0.5 && contents.audio.peak < 1.05)
        let middle = contents.audio.channel(0)[20_000..<24_000]
        let frequency = try #require(PitchEstimator.frequency(of: middle, sampleRate: 44100))
        #expect(abs(frequency - 440) < 4.4, "\(frequency)")
    }

    // MARK: - Asking for a tune

    @Test func theGuideOpensEveryTuneWithBothHeaders() throws {
        let any = try TuneOptions().guide(for: Self.encoding, prime: "", model: "m")
        #expect(any == [["M:2/4", "M:3/4", "M:4/4", "M:6/8"], ["K:major", "K:minor", "K:dorian"]])
        let jig = try TuneOptions(meter: "6/8", mode: "Minor").guide(for: Self.encoding, prime: "", model: "m")
        #expect(jig == [["M:6/8"], ["K:minor"]])
        #expect(try TuneOptions(meter: "C").guide(for: Self.encoding, prime: "", model: "m")[0] == ["M:4/4"])
        #expect(try TuneOptions().guide(for: .standard, prime: "", model: "m").isEmpty)
        #expect(try TuneOptions(key: "E").tonic() == Tonic("E"))
    }

    @Test(arguments: [
        (TuneOptions(meter: "5/4"), "", "meter", "it knows 2/4, 3/4, 4/4, 6/8"),
        (TuneOptions(meter: "six-eight"), "", "meter", "is not a meter"),
        (TuneOptions(mode: "lydian"), "", "mode", "it knows major, minor, dorian"),
        (TuneOptions(mode: "blues"), "", "mode", "is not a mode"),
        (TuneOptions(meter: "6/8"), "n60 -", "meter", "cannot be combined with a prime"),
        (TuneOptions(key: "H"), "", "key", "is not a key's tonic"),
    ])
    func requestsTheModelCannotHonourAreRefused(options: TuneOptions, prime: String, field: String, mentions: String) {
        do {
            _ = try options.guide(for: Self.encoding, prime: prime, model: "folk")
            _ = try options.tonic()
            Issue.record("accepted \(options)")
        } catch {
            #expect(error.field == field)
            #expect(error.problem.contains(mentions), "\(error)")
        }
    }

    @Test func aModelWithoutHeadersRefusesAMeterButTakesAKey() throws {
        #expect(throws: TuneOptionError.self) { try TuneOptions(meter: "6/8").guide(for: .standard, prime: "", model: "old") }
        #expect(try TuneOptions(key: "D").guide(for: .standard, prime: "", model: "old").isEmpty)
    }
}

extension Array {
    /// The elements repeated in order until `count` have been taken.
    fileprivate func cycled(count: Int) -> [Element] { (0..<count).map { self[$0 % self.count] } }
}

/// Counts elements and collects text, to check an SVG document.
private final class ElementCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var texts: [String] = []
    private var text = ""

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        counts[name, default: 0] += 1
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if !text.isEmpty { texts.append(text) }
        text = ""
    }
}
