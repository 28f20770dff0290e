import Testing

@testable import RecurCore

/// `BarGrammar`: bar lines only where the meter puts them, a pickup first, several voices.
struct BarGrammarTests {
    // ids: 0 <eos>, 1 -, 2 r, 3 n60, 4 |, 5 M:2/4 (8 steps), 6 M:3/8 (6 steps), 7 K:major
    static let grammar = BarGrammar(barLine: 4, endOfTune: 0, stepTokens: [1, 2, 3], stepsPerBar: [5: 8, 6: 6])

    func state(after tokens: [Int], grammar: BarGrammar = grammar) -> BarGrammar.State {
        var state = BarGrammar.State()
        for token in tokens { grammar.observe(token, in: &state) }
        return state
    }

    @Test func beforeTheMeterAnythingGoes() {
        #expect(Self.grammar.allowed(after: state(after: [])) == nil)
        #expect(Self.grammar.allowed(after: state(after: [7, 3, 1])) == nil, "a tune without a meter header first")
    }

    @Test func aNewTuneStartsAfterTheEndOfOne() {
        // A prime holding a closed tune, its end and the next tune's headers and a step.
        let tune = [6, 7, 3, 1, 4] + [3, 1, 1, 3, 1, 1, 4] + [3, 1, 1, 3, 4]
        #expect(Self.grammar.allowed(after: state(after: tune)) == [0])
        #expect(state(after: tune + [0]) == BarGrammar.State())
        #expect(state(after: tune + [0, 5, 7, 3]) == state(after: [5, 7, 3]))
    }

    @Test func theFirstBarMayCloseEarlyThenBarsAreFull() {
        // After M:3/8 K:major and one step: a pickup may close, or steps go on.
        #expect(Self.grammar.allowed(after: state(after: [6, 7, 3])) == [1, 2, 3, 4, 0])
        // A pickup of two steps closed: the next bar has no bar line until its sixth step…
        let afterPickup = [6, 7, 3, 1, 4]
        #expect(Self.grammar.allowed(after: state(after: afterPickup + [3, 1, 1])) == [1, 2, 3, 0])
        // …and then nothing but the bar line (or the end).
        #expect(Self.grammar.allowed(after: state(after: afterPickup + [3, 1, 1, 3, 1, 1])) == [4, 0])
        // A full first bar must close too.
        #expect(Self.grammar.allowed(after: state(after: [5, 7] + Array(repeating: 1, count: 8))) == [4, 0])
        // A bar line right after a bar line is not allowed: the bar has no step yet.
        #expect(Self.grammar.allowed(after: state(after: afterPickup)) == [1, 2, 3, 0])
    }

    @Test func theBarThatCompletesThePickupMayEndTheTune() {
        // M:3/8, a pickup of two steps, a full bar, then four steps: 2 + 4 = 6 completes it.
        let tune = [6, 7, 3, 1, 4] + [3, 1, 1, 3, 1, 1, 4] + [3, 1, 1]
        #expect(Self.grammar.allowed(after: state(after: tune)) == [1, 2, 3, 0], "three steps do not")
        #expect(Self.grammar.allowed(after: state(after: tune + [3])) == [1, 2, 3, 4, 0])
        // Closed there, only the end may follow.
        #expect(Self.grammar.allowed(after: state(after: tune + [3, 4])) == [0])
        // Without a pickup, no short bar may close.
        let full = [6, 7, 3, 1, 1, 3, 1, 1, 4, 3, 1, 1, 3]
        #expect(Self.grammar.allowed(after: state(after: full)) == [1, 2, 3, 0])
    }

    @Test func withVoicesABarLineWaitsForTheWholeStep() {
        let four = BarGrammar(barLine: 4, endOfTune: 0, stepTokens: [1, 2, 3], stepsPerBar: [5: 2], voices: 4)
        // M:… then one whole step of four tokens and half of the next.
        #expect(four.allowed(after: state(after: [5, 3, 3, 3, 3], grammar: four)) == [1, 2, 3, 4, 0])
        #expect(four.allowed(after: state(after: [5, 3, 3, 3, 3, 1, 1], grammar: four)) == [1, 2, 3, 0])
        #expect(four.allowed(after: state(after: [5, 3, 3, 3, 3, 1, 1, 1, 1], grammar: four)) == [4, 0])
    }
}
