import Foundation

/// A small Standard MIDI File reader, independent of the writer, for checking its output.
struct MIDIReader {
    struct Event: Equatable {
        /// Ticks since the previous event, as stored.
        var delta: Int
        /// Absolute tick.
        var tick: Int
        /// Status byte (0xFF for meta events).
        var status: UInt8
        /// Meta type (meta events only).
        var metaType: UInt8?
        /// The data bytes.
        var data: [UInt8]
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    var format = 0
    var trackCount = 0
    var division = 0
    /// Every track's events, one track after another.
    var events: [Event] = []
    /// The events of each track.
    var tracks: [[Event]] = []

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        var p = 0
        func take(_ n: Int) throws -> [UInt8] {
            guard p + n <= bytes.count else { throw Failure(description: "truncated at byte \(p)") }
            defer { p += n }
            return Array(bytes[p..<p + n])
        }
        func number(_ n: Int) throws -> Int { try take(n).reduce(0) { $0 << 8 | Int($1) } }
        func variableLength() throws -> Int {
            var value = 0
            for _ in 0..<4 {
                let byte = try take(1)[0]
                value = value << 7 | Int(byte & 0x7F)
                if byte & 0x80 == 0 { return value }
            }
            throw Failure(description: "variable-length quantity longer than 4 bytes at \(p)")
        }
        guard try take(4) == Array("MThd".utf8), try number(4) == 6 else { throw Failure(description: "no MThd header") }
        format = try number(2)
        trackCount = try number(2)
        division = try number(2)
        for _ in 0..<trackCount {
            guard try take(4) == Array("MTrk".utf8) else { throw Failure(description: "no MTrk chunk") }
            let length = try number(4)
            let end = p + length
            guard end <= bytes.count else { throw Failure(description: "track length \(length) runs past the file") }
            var track: [Event] = []
            var tick = 0
            var runningStatus: UInt8 = 0
            while p < end {
                let delta = try variableLength()
                tick += delta
                var status = try take(1)[0]
                if status < 0x80 {
                    status = runningStatus
                    p -= 1
                }
                switch status {
                case 0xFF:
                    let type = try take(1)[0]
                    let data = try take(variableLength())
                    track.append(Event(delta: delta, tick: tick, status: status, metaType: type, data: data))
                case 0x80...0xBF, 0xE0...0xEF:
                    runningStatus = status
                    track.append(Event(delta: delta, tick: tick, status: status, metaType: nil, data: try take(2)))
                case 0xC0...0xDF:
                    runningStatus = status
                    track.append(Event(delta: delta, tick: tick, status: status, metaType: nil, data: try take(1)))
                default:
                    throw Failure(description: "unexpected status byte \(status) at \(p - 1)")
                }
            }
            guard p == end else { throw Failure(description: "an event runs past the end of its track") }
            tracks.append(track)
        }
        guard p == bytes.count else { throw Failure(description: "\(bytes.count - p) bytes after the last track") }
        events = tracks.flatMap { $0 }
    }
}
