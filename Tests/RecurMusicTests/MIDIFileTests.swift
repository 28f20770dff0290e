import Foundation
import RecurMusic
import Testing

/// Standard MIDI Files, checked with an independent reader.
struct MIDIFileTests {
    func notes(_ reader: MIDIReader) -> [(pitch: UInt8, on: Int, off: Int, velocity: UInt8)] {
        var open: [UInt8: (Int, UInt8)] = [:]
        var result: [(pitch: UInt8, on: Int, off: Int, velocity: UInt8)] = []
        for event in reader.events {
            let isOn = event.status & 0xF0 == 0x90 && event.data[1] > 0
            let isOff = event.status & 0xF0 == 0x80 || (event.status & 0xF0 == 0x90 && event.data[1] == 0)
            if isOn { open[event.data[0]] = (event.tick, event.data[1]) }
            if isOff, let (on, velocity) = open.removeValue(forKey: event.data[0]) {
                result.append((event.data[0], on, event.tick, velocity))
            }
        }
        return result
    }

    @Test(arguments: Instrument.builtinVoices)
    func aTuneBecomesAType0FileWithTempoProgramAndNotes(instrument: Instrument) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/tune.mid"
        let configuration = RenderConfiguration(tempo: 90, instrument: instrument, velocity: 77)
        let report = try MusicRenderer.render(tokens: shortTune, configuration: configuration, format: .midi, to: path)
        #expect(report.frames == 0)
        #expect(abs(report.seconds - 16 * 15.0 / 90) < 1e-9)
        let reader = try MIDIReader(Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(reader.format == 0)
        #expect(reader.trackCount == 1)
        #expect(reader.division == 480)

        let tempo = try #require(reader.events.first { $0.metaType == 0x51 })
        #expect(tempo.tick == 0)
        #expect(tempo.data.reduce(0) { $0 << 8 | Int($1) } == 666_667)  // 60 000 000 / 90 µs a quarter
        let program = try #require(reader.events.first { $0.status == 0xC0 })
        #expect(program.tick == 0)
        #expect(Int(program.data[0]) == instrument.midiProgram)

        // n60 - - - n64 - n67 - r - n72 - - - n72 -  →  120 ticks a step.
        let played = notes(reader)
        #expect(played.map(\.pitch) == [60, 64, 67, 72, 72])
        #expect(played.map(\.on) == [0, 480, 720, 1200, 1680])
        #expect(played.map(\.off) == [480, 720, 960, 1680, 1920])
        #expect(played.allSatisfy { $0.velocity == 77 })

        // Delta times as stored: note-offs come before the note-ons at the same tick.
        let noteEvents = reader.events.filter { $0.status & 0xF0 == 0x80 || $0.status & 0xF0 == 0x90 }
        #expect(noteEvents.map(\.delta) == [0, 480, 0, 240, 0, 240, 240, 480, 0, 240])
        #expect(noteEvents.map { $0.status & 0xF0 } == [0x90, 0x80, 0x90, 0x80, 0x90, 0x80, 0x90, 0x80, 0x90, 0x80])

        let end = try #require(reader.events.last)
        #expect(end.metaType == 0x2F)
        #expect(end.tick == 16 * 120)
        #expect(end.data.isEmpty)
    }

    @Test func trailingRestsAndSwingMoveTheTicks() throws {
        let melody = try NoteEncoding.standard.decode("n60 n62 n64 - r - - -".split(separator: " ").map(String.init)).melody
        let data = try MIDIFile.data(for: melody, configuration: RenderConfiguration(swing: 1))
        let reader = try MIDIReader(data)
        // Odd steps start a third of a step (40 ticks) late.
        #expect(notes(reader).map(\.on) == [0, 160, 240])
        #expect(notes(reader).map(\.off) == [160, 240, 480])
        #expect(reader.events.last?.tick == 960)
    }

    @Test func longDeltasUseMultiByteQuantities() throws {
        let melody = Melody(notes: [Note(pitch: 40, start: 0, length: 1), Note(pitch: 41, start: 2000, length: 3)], steps: 2003)
        let reader = try MIDIReader(MIDIFile.data(for: melody, configuration: RenderConfiguration()))
        #expect(notes(reader).map(\.on) == [0, 240_000])
        let on = try #require(reader.events.first { $0.status == 0x90 && $0.data[0] == 41 })
        #expect(on.delta == 240_000 - 120)
    }

    @Test func writingToAMissingDirectoryNamesThePath() {
        let path = "/nonexistent-\(UUID().uuidString)/tune.mid"
        #expect(throws: (any Error).self) {
            try MusicRenderer.render(tokens: shortTune, configuration: RenderConfiguration(), format: .midi, to: path)
        }
        do {
            _ = try MusicRenderer.render(tokens: shortTune, configuration: RenderConfiguration(), format: .midi, to: path)
        } catch {
            #expect("\(error)".contains(path))
        }
    }
}
