import Foundation
import Testing

@testable import RecurCore

#if canImport(FoundationXML)
import FoundationXML
#endif

/// The loss curve: a bounded history, and an SVG that XML parsers accept.
struct LossPlotTests {
    /// Collects element names and text while parsing.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [String] = []
        var text = ""
        func parser(
            _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            elements.append(name)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    static func parse(_ svg: String) -> (ok: Bool, collector: Collector, error: String) {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        let ok = parser.parse()
        return (ok, collector, parser.parserError.map { "\($0)" } ?? "")
    }

    @Test func theSVGIsWellFormedAndMarksTheBestPoint() throws {
        var history = LossHistory()
        for step in 1...300 { history.recordTraining(loss: 4 / Double(step).squareRoot(), step: step, tokens: step * 64) }
        for step in stride(from: 50, through: 300, by: 50) {
            history.recordValidation(loss: 1 + abs(Double(step) - 150) / 300, step: step, tokens: step * 64)
        }
        let svg = LossPlot(history: history, best: (loss: 1, step: 150), title: "tiny & <odd> \"name\"").svg()
        let (ok, collector, error) = Self.parse(svg)
        #expect(ok, "\(error)")
        #expect(collector.elements.first == "svg")
        #expect(collector.elements.filter { $0 == "polyline" }.count == 2)
        #expect(collector.text.contains("tiny & <odd> \"name\""))
        #expect(collector.text.contains("best 1.0000 at step 150"))
        #expect(collector.text.contains("training tokens seen") && collector.text.contains("loss (nats per token)"))
        #expect(collector.text.contains("20k"), "the last x tick: 300 × 64 tokens, rounded up")
    }

    @Test func anEmptyHistoryStillDrawsAxes() {
        let (ok, collector, error) = Self.parse(LossPlot(history: LossHistory(), best: nil, title: "new").svg())
        #expect(ok, "\(error)")
        #expect(!collector.elements.contains("polyline"))
        #expect(collector.elements.contains("path"))
    }

    @Test func aLongRunIsThinnedToBoundedPointsThatKeepTheMean() {
        var history = LossHistory()
        let losses = (1...2500).map { Double($0 % 37) / 10 }
        for (i, loss) in losses.enumerated() { history.recordTraining(loss: loss, step: i + 1, tokens: (i + 1) * 10) }
        #expect(history.training.count <= LossHistory.maximumTrainingPoints)
        #expect(history.training.count > LossHistory.maximumTrainingPoints / 2)
        let weighted = history.training.reduce(0.0) { $0 + $1.loss * Double($1.weight) }
        #expect(abs(weighted - losses.reduce(0, +)) < 1e-6)
        #expect(history.training.last?.step == 2500 && history.training.last?.tokens == 25_000)
        // Thinned evenly: every point but the last averages the same number of steps, so
        // the curve starts at the first steps, not at a mean of the run's first half.
        let weights = Set(history.training.dropLast().map(\.weight))
        #expect(weights.count == 1)
        #expect(history.training.first?.step == weights.first)
        #expect((history.training.last?.weight ?? 0) <= (weights.first ?? 0))
    }

    @Test func aHistoryThinnedUnevenlyGoesOnAtItsRecentGranularity() throws {
        // A checkpoint from before even thinning: heavy points first, single steps last.
        let json = Data(
            #"{"training":[{"t":40,"l":2,"s":4,"w":4},{"t":60,"l":1.5,"s":6,"w":2},{"t":70,"l":1,"s":7,"w":1}],"validation":[]}"#
                .utf8)
        var history = try JSONDecoder().decode(LossHistory.self, from: json)
        #expect(history.stepsPerPoint == 2)
        history.recordTraining(loss: 0.5, step: 8, tokens: 80)
        history.recordTraining(loss: 0.7, step: 9, tokens: 90)
        history.recordTraining(loss: 0.9, step: 10, tokens: 100)
        // Step 8 completes the last point to two steps; steps 9 and 10 make one more point,
        // not three steps folded into a four-step bucket.
        #expect(history.training.map(\.weight) == [4, 2, 2, 2])
        #expect(history.training.map(\.step) == [4, 6, 8, 10])
        #expect(abs(history.training[2].loss - 0.75) < 1e-12 && abs(history.training[3].loss - 0.8) < 1e-12)
    }

    @Test func ticksAreRoundAndCoverTheRange() {
        #expect(LossPlot.ticks(from: 1.23, to: 4.4) == [1, 2, 3, 4, 5])
        #expect(LossPlot.ticks(from: 0, to: 245_760) == [0, 50_000, 100_000, 150_000, 200_000, 250_000])
        #expect(LossPlot.tokenLabel(1_500_000) == "1.5M" && LossPlot.tokenLabel(0) == "0")
    }
}
