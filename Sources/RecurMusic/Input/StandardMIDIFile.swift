import Foundation

/// The parts of a Standard MIDI File a melody reader needs: the header's format and
/// ticks per quarter note, and for each track its notes, time and key signatures and end,
/// each at its absolute tick.
///
/// Every length in the file is checked against the data's end before it is used, and
/// every loop moves forward through the bytes, so truncated or hostile data ends in a
/// `MelodyInputError` — never a crash, and never a loop without end.
struct StandardMIDIFile {
    /// One event that matters to a melody, at its absolute tick.
    struct Event: Equatable {
        /// What the event says.
        enum Kind: Equatable {
            /// A note starts (note-on with a velocity above 0).
            case noteOn(channel: Int, pitch: Int)
            /// A note ends (note-off, or note-on with velocity 0).
            case noteOff(channel: Int, pitch: Int)
            /// `FF 58`: numerator and the denominator's power of two.
            case timeSignature(numerator: Int, power: Int)
            /// `FF 59`: sharps (positive) or flats, and 1 for minor, 0 for major.
            case keySignature(fifths: Int, minor: Int)
            /// `FF 2F`: the end of the track.
            case endOfTrack
        }
        /// Ticks from the start of the track.
        var tick: Int
        var kind: Kind
    }

    /// 0 (one track) or 1 (several tracks played together).
    var format: Int
    /// Ticks per quarter note.
    var division: Int
    /// Each `MTrk` chunk's events, in file order.
    var tracks: [[Event]]

    /// Parses the bytes of a Standard MIDI File (running status, sysex and meta events).
    /// - Throws: `MelodyInputError` for a truncated or malformed file, format 2, or an
    ///   SMPTE time division.
    init(_ data: Data) throws(MelodyInputError) {
        var cursor = Cursor(bytes: [UInt8](data))
        guard cursor.bytes.count >= 14 else {
            throw Self.error("the header is cut short (\(cursor.bytes.count) bytes; it takes 14): the file is truncated")
        }
        cursor.offset = 4
        let headerLength = try cursor.number(bytes: 4)
        guard headerLength >= 6, headerLength <= cursor.bytes.count - 8 else {
            throw Self.error("the header's length \(headerLength) does not fit the file; it is damaged or truncated")
        }
        format = try cursor.number(bytes: 2)
        let trackCount = try cursor.number(bytes: 2)
        division = try cursor.number(bytes: 2)
        if division & 0x8000 != 0 {
            throw MelodyInputError(
                format: .midi,
                problem: .unsupported(
                    "the file counts time in SMPTE frames, not beats; export it with ticks per quarter note (a sequencer's default)"
                ))
        }
        guard division > 0, trackCount > 0, format <= 2 else {
            throw Self.error("the header says format \(format), \(trackCount) tracks, \(division) ticks a quarter: it is damaged")
        }
        if format == 2 {
            throw MelodyInputError(
                format: .midi,
                problem: .unsupported("format 2 (independent sequences); export the melody as a format 0 or 1 file"))
        }
        cursor.offset = 8 + headerLength
        tracks = []
        var chunk = 0
        while tracks.count < trackCount {
            chunk += 1
            guard cursor.bytes.count - cursor.offset >= 8 else {
                throw Self.error(
                    "the header promises \(trackCount) tracks and the file ends after \(tracks.count): it is truncated")
            }
            let isTrack = cursor.bytes[cursor.offset..<(cursor.offset + 4)].elementsEqual("MTrk".utf8)
            cursor.offset += 4
            let length = try cursor.number(bytes: 4)
            let left = cursor.bytes.count - cursor.offset
            guard length <= left else {
                throw Self.error(
                    "\(isTrack ? "track \(tracks.count + 1)" : "chunk \(chunk)")'s length \(length) runs past the end of the file (\(left) bytes left): it is truncated or damaged"
                )
            }
            if isTrack {
                tracks.append(
                    try Self.events(cursor.bytes, from: cursor.offset, to: cursor.offset + length, track: tracks.count + 1))
            }
            cursor.offset += length
        }
    }

    /// A malformed-file error.
    static func error(_ message: String) -> MelodyInputError {
        MelodyInputError(format: .midi, problem: .malformed(message))
    }

    /// The events of the track whose bytes run from `start` to `end`.
    private static func events(_ bytes: [UInt8], from start: Int, to end: Int, track: Int) throws(MelodyInputError) -> [Event] {
        var cursor = Cursor(bytes: bytes, offset: start, end: end)
        var events: [Event] = []
        var tick = 0
        var running: UInt8?
        func damaged(_ what: String) -> MelodyInputError {
            error("track \(track), byte \(cursor.offset): \(what); the file is damaged")
        }
        while cursor.offset < end {
            tick += try cursor.variableLength()
            var status = try cursor.byte()
            if status < 0x80 {
                guard let running else { throw damaged("a data byte with no status byte before it") }
                status = running
                cursor.offset -= 1
            }
            switch status {
            case 0x80...0xEF:
                running = status
                let kind = status & 0xF0
                let first = try cursor.byte()
                var second: UInt8 = 0
                if kind != 0xC0 && kind != 0xD0 { second = try cursor.byte() }
                guard first < 0x80, second < 0x80 else { throw damaged("a data byte above 127") }
                let channel = Int(status & 0x0F)
                if kind == 0x90 && second > 0 {
                    events.append(Event(tick: tick, kind: .noteOn(channel: channel, pitch: Int(first))))
                } else if kind == 0x80 || kind == 0x90 {
                    events.append(Event(tick: tick, kind: .noteOff(channel: channel, pitch: Int(first))))
                }
            case 0xF0, 0xF7:
                running = nil
                try cursor.skip(cursor.variableLength())
            case 0xFF:
                running = nil
                let type = try cursor.byte()
                let length = try cursor.variableLength()
                let start = cursor.offset
                try cursor.skip(length)
                let data = cursor.bytes[start..<(start + length)]
                switch type {
                case 0x2F:
                    events.append(Event(tick: tick, kind: .endOfTrack))
                    return events
                case 0x58 where length >= 2:
                    events.append(
                        Event(tick: tick, kind: .timeSignature(numerator: Int(data[start]), power: Int(data[start + 1]))))
                case 0x59 where length >= 2:
                    let fifths = Int(Int8(bitPattern: data[start]))
                    events.append(Event(tick: tick, kind: .keySignature(fifths: fifths, minor: Int(data[start + 1]))))
                default:
                    break
                }
            default:
                throw damaged("the status byte 0x\(String(status, radix: 16, uppercase: true)), which a MIDI file cannot hold")
            }
        }
        return events
    }
}

/// A read position in bytes that never passes `end`: every read checks it first.
private struct Cursor {
    let bytes: [UInt8]
    var offset = 0
    var end: Int

    init(bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    private func cutShort() -> MelodyInputError {
        StandardMIDIFile.error("an event at byte \(offset) runs past the end of its track: the file is truncated")
    }

    mutating func byte() throws(MelodyInputError) -> UInt8 {
        guard offset < end else { throw cutShort() }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func skip(_ count: Int) throws(MelodyInputError) {
        guard count <= end - offset else { throw cutShort() }
        offset += count
    }

    /// A big-endian number of `bytes` bytes.
    mutating func number(bytes count: Int) throws(MelodyInputError) -> Int {
        var value = 0
        for _ in 0..<count { value = value << 8 | Int(try byte()) }
        return value
    }

    /// A variable-length quantity: 7 bits a byte, at most four bytes (up to 0x0FFFFFFF).
    mutating func variableLength() throws(MelodyInputError) -> Int {
        var value = 0
        for _ in 0..<4 {
            let byte = try byte()
            value = value << 7 | Int(byte & 0x7F)
            if byte < 0x80 { return value }
        }
        throw StandardMIDIFile.error("a variable-length number at byte \(offset) runs past four bytes: the file is damaged")
    }
}
