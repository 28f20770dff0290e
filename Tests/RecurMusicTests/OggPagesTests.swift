import Foundation
import Testing

@testable import RecurMusic

/// Ogg/Vorbis files that the same audio writes byte for byte the same.
struct OggPagesTests {
    static func audio() throws -> AudioBuffer {
        let melody = try NoteEncoding.standard.decode(shortTune).melody
        return try Synthesizer.render(melody, configuration: RenderConfiguration(instrument: .organ, channels: 2))
    }

    /// The pages of an Ogg file: offset and length of each.
    static func pages(_ bytes: [UInt8]) -> [Range<Int>] {
        var pages: [Range<Int>] = []
        var offset = 0
        while offset + 27 <= bytes.count {
            let segments = Int(bytes[offset + 26])
            let body = bytes[(offset + 27)..<(offset + 27 + segments)].reduce(0) { $0 + Int($1) }
            pages.append(offset..<(offset + 27 + segments + body))
            offset += 27 + segments + body
        }
        return pages
    }

    @Test func theSameAudioWritesTheSameBytes() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let audio = try Self.audio()
        try SoundFile.write(audio, to: directory + "/a.ogg", format: .ogg)
        usleep(20_000)  // libsndfile draws its serial number from the clock
        try SoundFile.write(audio, to: directory + "/b.ogg", format: .ogg)
        let a = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/a.ogg")))
        let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/b.ogg")))
        #expect(a.count > 1000)
        let same = a == b
        #expect(same, "two writes of the same audio differ")
        // Every page carries the fixed serial, and libvorbis reads it all back (libogg drops
        // a page whose checksum is wrong).
        let pages = Self.pages(a)
        #expect(pages.count >= 3 && pages.last?.upperBound == a.count)
        #expect(pages.allSatisfy { a[($0.lowerBound + 14)..<($0.lowerBound + 18)].elementsEqual([0x75, 0x63, 0x65, 0x52]) })
        let back = try SoundFile.read(directory + "/a.ogg").audio
        #expect(back.frames == audio.frames && back.channels == 2)
    }

    @Test func theChecksumIsOggs() throws {
        // libogg's own page checksums, as libsndfile wrote them, recomputed here.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SoundFile.write(try Self.audio(), to: directory + "/a.ogg", format: .ogg)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/a.ogg")))
        // Any serial: the file's own pages then carry checksums libogg computed for it.
        let other = try #require(OggPages.withFixedSerial(bytes, serial: 0x0102_0304))
        let changed = other != bytes
        #expect(changed)
        bytes = other
        for page in Self.pages(bytes) {
            let stored = bytes[(page.lowerBound + 22)..<(page.lowerBound + 26)].enumerated().reduce(UInt32(0)) {
                $0 | UInt32($1.element) << (8 * $1.offset)
            }
            var zeroed = Array(bytes[page])
            for i in 22..<26 { zeroed[i] = 0 }
            #expect(OggPages.checksum(zeroed[...]) == stored)
        }
    }

    @Test func bytesThatAreNotWholePagesAreLeftAlone() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try SoundFile.write(try Self.audio(), to: directory + "/a.ogg", format: .ogg)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/a.ogg")))
        #expect(OggPages.withFixedSerial(bytes) != nil)
        #expect(OggPages.withFixedSerial(Array(bytes.dropLast(5))) == nil)
        #expect(OggPages.withFixedSerial(Array(bytes.prefix(20))) == nil)
        #expect(OggPages.withFixedSerial(Array("RIFF....WAVE".utf8)) == nil)
        var badVersion = bytes
        badVersion[4] = 1
        #expect(OggPages.withFixedSerial(badVersion) == nil)
        #expect(OggPages.withFixedSerial([]) == [])
    }
}
