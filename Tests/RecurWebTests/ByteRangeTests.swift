import Testing

@testable import RecurWeb

/// The `Range` header as an audio player sends it, and every way it can be wrong.
struct ByteRangeTests {
    @Test func rangesWithinTheFile() {
        #expect(ByteRange(header: "bytes=0-99", size: 1000) == .part(0...99))
        #expect(ByteRange(header: "bytes=900-", size: 1000) == .part(900...999))
        #expect(ByteRange(header: "bytes=-100", size: 1000) == .part(900...999))
        #expect(ByteRange(header: "bytes=990-5000", size: 1000) == .part(990...999))
        #expect(ByteRange(header: "bytes=-5000", size: 1000) == .part(0...999))
        #expect(ByteRange(header: "bytes= 5 - 9 ", size: 1000) == .part(5...9))
    }

    @Test func rangesOutsideTheFileAreUnsatisfiable() {
        #expect(ByteRange(header: "bytes=1000-", size: 1000) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=2000-3000", size: 1000) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-0", size: 1000) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=0-", size: 0) == .unsatisfiable)
    }

    @Test func whatCannotBeReadServesTheWholeFile() {
        for header in [
            nil, "", "items=0-5", "bytes=5-2", "bytes=a-b", "bytes=0-1,5-6", "bytes=-", "bytes=--5", "bytes=٣-٤",
            "bytes=99999999999999999999999-",
        ] {
            #expect(ByteRange(header: header, size: 1000) == .whole, "\(header ?? "nil")")
        }
    }
}
