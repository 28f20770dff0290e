import Foundation
import RecurMusic
import Testing

/// MusicXML: parsed back with Foundation's `XMLParser` and compared with the tune written.
struct MusicXMLTests {
    // MARK: - A chorale

    @Test func aChoraleHasOnePartPerVoiceInThePartList() throws {
        let read = try MusicXMLReader(MusicXML.document(for: TestTunes.chorale, title: "chorale", tempo: 96))
        #expect(read.root.attributes["version"] == "4.0")
        #expect(read.root.text(at: "work", "work-title") == "chorale")
        #expect(read.parts.map(\.name) == ["Soprano", "Alto", "Tenor", "Bass"])
        #expect(read.parts.map(\.id) == ["P1", "P2", "P3", "P4"])
        let groups = read.root.descendants("part-group").map { $0.attributes["type"] ?? "" }
        #expect(groups == ["start", "stop"])
    }

    @Test func everyPartSoundsItsVoiceWithTiesMerged() throws {
        let tune = TestTunes.chorale
        let read = try MusicXMLReader(MusicXML.document(for: tune, title: "chorale", tempo: 96))
        for (part, voice) in zip(read.parts, tune.voices) {
            #expect(part.notes == voice.notes, "\(part.name)")
        }
        // Notes longer than one written value, or over a bar line, were tied.
        let ties = read.root.descendants("tie").filter { $0.attributes["type"] == "start" }
        #expect(ties.count >= 8)
    }

    @Test func measuresFollowTheBarsAndAddUpToTheMeter() throws {
        let tune = TestTunes.chorale
        let read = try MusicXMLReader(MusicXML.document(for: tune, title: "chorale", tempo: 96))
        for part in read.parts {
            #expect(part.measureSteps == tune.bars.map(\.count), "\(part.name)")
            #expect(part.measureSteps.dropFirst().dropLast().allSatisfy { $0 == 16 })
            #expect(part.measureSteps.first! + part.measureSteps.last! == 16)  // the pickup and the bar completing it
            #expect(part.measures.map { $0.attributes["number"] ?? "" } == ["0", "1", "2", "3", "4"])
            #expect(part.measures.first?.attributes["implicit"] == "yes")
            #expect(part.measures.dropFirst().allSatisfy { $0.attributes["implicit"] == nil })
            #expect(part.measures.last?.text(at: "barline", "bar-style") == "light-heavy")
        }
        // The alto rests through bar 2: one bar rest.
        let altoBar2 = try #require(read.parts[1].measures[2].children("note").first)
        #expect(read.parts[1].measures[2].children("note").count == 1)
        #expect(altoBar2.child("rest")?.attributes["measure"] == "yes")
        #expect(altoBar2.text(at: "duration") == "16")
    }

    @Test func theFirstMeasureHoldsKeyTimeClefAndTempo() throws {
        let read = try MusicXMLReader(MusicXML.document(for: TestTunes.chorale, title: "chorale", tempo: 96))
        var clefs: [String] = []
        for part in read.parts {
            let attributes = try #require(part.measures.first?.child("attributes"))
            #expect(attributes.text(at: "divisions") == "4")
            #expect(attributes.text(at: "key", "fifths") == "-1")  // F major: B flat
            #expect(attributes.text(at: "key", "mode") == "major")
            #expect(attributes.text(at: "time", "beats") == "4")
            #expect(attributes.text(at: "time", "beat-type") == "4")
            let clef = try #require(attributes.child("clef"))
            clefs.append(
                (clef.text(at: "sign") ?? "") + (clef.text(at: "line") ?? "") + (clef.text(at: "clef-octave-change") ?? ""))
            #expect(part.measures.dropFirst().allSatisfy { $0.child("attributes") == nil })
        }
        #expect(clefs == ["G2", "G2", "G2-1", "F4"])
        // The tempo once, in the first part: a metronome mark and the playback tempo.
        #expect(read.root.descendants("sound").map { $0.attributes["tempo"] } == ["96"])
        let metronome = try #require(read.parts[0].measures[0].descendants("metronome").first)
        #expect(metronome.text(at: "beat-unit") == "quarter")
        #expect(metronome.text(at: "per-minute") == "96")
    }

    @Test func pitchesAreSpelledInTheKeyWithAccidentalsWhereNeeded() throws {
        let read = try MusicXMLReader(MusicXML.document(for: TestTunes.chorale, title: "chorale", tempo: 96))
        // F major: B flat is in the signature; the tenor's B natural and the soprano's G flat
        // (F sharp in C, moved) are not, and say so.
        let tenorNotes = read.parts[2].measures.flatMap { $0.children("note") }
        let bNatural = try #require(tenorNotes.first { $0.text(at: "pitch", "step") == "B" && $0.child("accidental") != nil })
        #expect(bNatural.text(at: "pitch", "alter") == nil)
        #expect(bNatural.text(at: "accidental") == "natural")
        let flats = read.root.descendants("note").filter { $0.text(at: "pitch", "alter") == "-1" }
        #expect(flats.contains { $0.text(at: "pitch", "step") == "B" && $0.child("accidental") == nil })
        #expect(flats.contains { $0.text(at: "pitch", "step") == "G" && $0.text(at: "accidental") == "flat" })
        // A tied-over piece shows no accidental.
        #expect(
            read.root.descendants("note").allSatisfy { note in
                !note.children("tie").contains { $0.attributes["type"] == "stop" } || note.child("accidental") == nil
            })
    }

    // MARK: - A melody

    @Test func aJigInEMinorIsOneMelodyPartIn68() throws {
        let tune = TestTunes.jig
        let read = try MusicXMLReader(MusicXML.document(for: tune, title: "jig", tempo: 120))
        #expect(read.parts.map(\.name) == ["Melody"])
        #expect(read.root.descendants("part-group").isEmpty)
        let part = read.parts[0]
        #expect(part.notes == tune.melody.notes)
        #expect(part.measureSteps == [2, 12, 12, 12, 10])
        #expect(part.measures.map { $0.attributes["number"] ?? "" } == ["0", "1", "2", "3", "4"])
        let attributes = try #require(part.measures.first?.child("attributes"))
        #expect(attributes.text(at: "key", "fifths") == "1")
        #expect(attributes.text(at: "key", "mode") == "minor")
        #expect(attributes.text(at: "time", "beats") == "6")
        #expect(attributes.text(at: "time", "beat-type") == "8")
        #expect(attributes.text(at: "clef", "sign") == "G")
        // D sharp, F natural, then F sharp again in the same bar; D sharp in a later bar.
        let accidentals = part.measures.flatMap { $0.children("note") }.compactMap { note in
            note.text(at: "accidental").map { (note.text(at: "pitch", "step") ?? "") + " " + $0 }
        }
        #expect(accidentals == ["D sharp", "F natural", "F sharp", "D sharp"])
    }

    @Test func eighthsAndSixteenthsAreBeamedByBeat() throws {
        let read = try MusicXMLReader(MusicXML.document(for: TestTunes.jig, title: "jig", tempo: 120))
        // Bar 1 of the jig: a dotted eighth, an eighth and a 16th, twice, one beam per beat.
        let bar = read.parts[0].measures[1].children("note")
        let beams = bar.map { note in note.children("beam").map { "\($0.attributes["number"] ?? "")\($0.text)" } }
        #expect(
            beams == [
                ["1begin"], ["1continue"], ["1end", "2backward hook"], ["1begin"], ["1continue"], ["1end", "2backward hook"],
            ])
        // A quarter or longer is never beamed, nor a rest.
        #expect(
            read.root.descendants("note").allSatisfy { note in
                note.children("beam").isEmpty || ["eighth", "16th"].contains(note.text(at: "type") ?? "")
            })
    }

    // MARK: - Odd input

    @Test func titlesAreEscapedAndTheDocumentStaysWellFormed() throws {
        let title = "Jigs & <reels> \"new\"\u{1}"
        let read = try MusicXMLReader(MusicXML.document(for: TestTunes.jig, title: title, tempo: 97.5))
        #expect(read.root.text(at: "work", "work-title") == "Jigs & <reels> \"new\"")
        #expect(read.root.descendants("sound").first?.attributes["tempo"] == "97.5")
    }

    @Test func aTuneWithoutMeterIsIn44AndOneWithoutNotesIsStillAScore() throws {
        let melody = Melody(notes: [Note(pitch: 60, start: 0, length: 20)], steps: 20)
        let read = try MusicXMLReader(MusicXML.document(for: Tune(melody: melody), title: "t", tempo: 120))
        let attributes = try #require(read.parts[0].measures.first?.child("attributes"))
        #expect(attributes.text(at: "time", "beats") == "4")
        #expect(attributes.text(at: "key", "fifths") == "0")
        #expect(read.parts[0].measureSteps == [16, 4])
        #expect(read.parts[0].notes == melody.notes)
        let empty = try MusicXMLReader(MusicXML.document(for: Tune(melody: Melody(notes: [], steps: 0)), title: "t", tempo: 120))
        #expect(empty.parts.map(\.measures.count) == [1])
    }

    // MARK: - Files

    @Test func theFormatIsNamedMusicXMLOrXML() {
        #expect(OutputFormat(rawValue: "musicxml") == .musicxml)
        #expect(OutputFormat(rawValue: "xml") == .musicxml)
        #expect(OutputFormat(rawValue: "mxl") == nil)
        #expect(OutputFormat.musicxml.rawValue == "musicxml")
        #expect(OutputFormat.musicxml.fileExtension == "musicxml")
        #expect(!OutputFormat.musicxml.isAudio)
        #expect(OutputFormat(path: "chorale.musicxml") == .musicxml)
        #expect(OutputFormat(path: "chorale.XML") == .musicxml)
        #expect(OutputFormat.names.contains("svg, musicxml"))
    }

    @Test func theRendererWritesAScoreForEveryVoiceOfTheTokens() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let encoding = NoteEncoding(meters: [Meter("4/4")!], modes: [.major], voices: 4)
        let tokens = encoding.tokens(for: TestTunes.chorale)
        let path = directory + "/chorale.musicxml"
        let report = try MusicRenderer.render(
            tokens: tokens, encoding: encoding, configuration: RenderConfiguration(tempo: 80), format: .musicxml,
            title: "chorale", to: path)
        #expect(report.format == .musicxml)
        #expect(listing(directory) == ["chorale.musicxml"])
        let read = try MusicXMLReader(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self))
        #expect(read.parts.count == 4)
        // Decoded tokens are on the white keys (C major); the notes are those of the tokens.
        let decoded = try encoding.decode(tokens)
        #expect(read.parts.map(\.notes) == decoded.voices.map(\.notes))
        // Every sample of a melody model gets a score too.
        let written = try TuneFiles.write(
            tokens: shortTune, encoding: .standard, formats: [.musicxml, .abc], configuration: RenderConfiguration(),
            title: "t", index: 0, count: 1, to: directory)
        #expect(written.names.first?.hasSuffix(".musicxml") == true)
    }
}
