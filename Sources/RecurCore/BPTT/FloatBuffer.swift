/// A fixed-size block of floats whose address stays valid for the buffer's lifetime.
///
/// Training keeps a few large per-window arrays (gates, hidden sequences, gradients) that
/// the step loops address by offset; owning them as raw memory avoids nesting a closure
/// per array and the copy-on-write checks of `[Float]` inside the hot loops.
final class FloatBuffer {
    /// The number of floats.
    let count: Int
    /// The first float; valid (and never null) even when `count` is 0.
    let pointer: UnsafeMutablePointer<Float>

    /// A buffer of `count` zeros, or of undefined values when `zeroed` is false (for
    /// buffers that are written in full before they are read).
    init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "buffer size must not be negative")
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: max(count, 1)) }
    }

    /// A buffer holding a copy of `values`.
    convenience init(copying values: [Float]) {
        self.init(count: values.count, zeroed: false)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { pointer.deallocate() }

    /// The values from `offset`, `length` of them, as an array.
    func array(from offset: Int = 0, count length: Int) -> [Float] {
        precondition(offset >= 0 && offset + length <= count, "range outside the buffer")
        return Array(UnsafeBufferPointer(start: pointer + offset, count: length))
    }
}

extension Array where Element == Float {
    /// Calls `body` with the address of the first element; an empty array gets a valid
    /// dummy address (it is never read, since every caller passes its count alongside).
    func withBaseAddress<R>(_ body: (UnsafePointer<Float>) -> R) -> R {
        withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base) }
            var dummy: Float = 0
            return body(&dummy)
        }
    }

    /// The mutable counterpart of `withBaseAddress`.
    mutating func withMutableBaseAddress<R>(_ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { return body(base) }
            var dummy: Float = 0
            return body(&dummy)
        }
    }
}
