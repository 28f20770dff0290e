/// Ogg pages given one fixed stream serial number. libsndfile starts each Ogg/Vorbis stream
/// with a serial number drawn from the clock, so the same audio written twice would give
/// files that differ in every page; with the serial fixed (and each page's checksum made
/// again) the same job writes the same bytes. A file of one stream needs no other serial.
enum OggPages {
    /// The serial number every stream Recur writes carries: "Recu" in ASCII.
    static let serial: UInt32 = 0x5265_6375

    /// `bytes` with every page's serial number set to `serial` and its CRC recomputed, or
    /// nil when `bytes` is not a run of whole Ogg pages (then nothing should be changed).
    static func withFixedSerial(_ bytes: [UInt8], serial: UInt32 = serial) -> [UInt8]? {
        var out = bytes
        var offset = 0
        while offset < out.count {
            // Capture pattern, version 0, then 23 more header bytes and the segment table.
            guard out.count - offset >= 27, out[offset..<offset + 4].elementsEqual([0x4F, 0x67, 0x67, 0x53]),
                out[offset + 4] == 0
            else { return nil }
            let segments = Int(out[offset + 26])
            guard out.count - offset >= 27 + segments else { return nil }
            let body = out[(offset + 27)..<(offset + 27 + segments)].reduce(0) { $0 + Int($1) }
            let end = offset + 27 + segments + body
            guard end <= out.count else { return nil }
            for i in 0..<4 {
                out[offset + 14 + i] = UInt8(truncatingIfNeeded: serial >> (8 * i))
                out[offset + 22 + i] = 0
            }
            let crc = checksum(out[offset..<end])
            for i in 0..<4 { out[offset + 22 + i] = UInt8(truncatingIfNeeded: crc >> (8 * i)) }
            offset = end
        }
        return out
    }

    /// Ogg's page CRC: polynomial 0x04C11DB7, initial value 0, most significant bit first,
    /// no final inversion, taken over the page with its CRC field zero.
    static func checksum(_ page: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0
        for byte in page { crc = (crc << 8) ^ table[Int((crc >> 24) ^ UInt32(byte))] }
        return crc
    }

    private static let table: [UInt32] = (0..<256).map { index in
        var remainder = UInt32(index) << 24
        for _ in 0..<8 { remainder = remainder & 0x8000_0000 != 0 ? (remainder << 1) ^ 0x04C1_1DB7 : remainder << 1 }
        return remainder
    }
}
