import Synchronization

/// Piece numbers `0..<count` handed out from both ends: `takeFront` gives 0, 1, 2, …,
/// `takeBack` gives count − 1, count − 2, …, until they meet; each number exactly once.
final class TwoEndedPieces: Sendable {
    let count: Int
    /// The next front piece in the low 32 bits, one past the next back piece above.
    private let state: Atomic<Int>

    init(count: Int) {
        precondition((0..<(1 << 31)).contains(count), "piece count \(count) out of range")
        self.count = count
        state = Atomic(count << 32)
    }

    func takeFront() -> Int? { take(fromFront: true) }

    func takeBack() -> Int? { take(fromFront: false) }

    private func take(fromFront: Bool) -> Int? {
        var current = state.load(ordering: .relaxed)
        while true {
            let (front, back) = (current & 0xFFFF_FFFF, current >> 32)
            guard front < back else { return nil }
            let (exchanged, original) = state.compareExchange(
                expected: current, desired: fromFront ? current + 1 : current - (1 << 32), ordering: .relaxed)
            if exchanged { return fromFront ? front : back - 1 }
            current = original
        }
    }
}
