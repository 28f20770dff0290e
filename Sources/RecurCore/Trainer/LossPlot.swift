import Foundation

/// The training and validation loss curves of a run as a standalone SVG file
/// (`--plot`): loss against training tokens seen, with axes, tick labels, a legend and
/// the best validation point marked. Plain SVG 1.1, so browsers and viewers show it
/// and a README can embed it.
public struct LossPlot: Sendable {
    /// The losses to draw.
    public var history: LossHistory
    /// The lowest validation loss and its step, marked on the curve.
    public var best: (loss: Double, step: Int)?
    /// The heading, e.g. the model's name.
    public var title: String

    /// A plot of `history`.
    public init(history: LossHistory, best: (loss: Double, step: Int)?, title: String) {
        self.history = history
        self.best = best
        self.title = title
    }

    private let width = 800.0, height = 480.0
    private let left = 72.0, right = 24.0, top = 44.0, bottom = 64.0

    /// The SVG document.
    public func svg() -> String {
        let points = history.training + history.validation
        let xTicks = Self.ticks(from: 0, to: Double(max(points.map(\.tokens).max() ?? 1, 1)))
        let losses = points.map(\.loss)
        let yTicks = Self.ticks(from: losses.min() ?? 0, to: max(losses.max() ?? 1, (losses.min() ?? 0) + 0.01))
        let xRange = (xTicks.first ?? 0, xTicks.last ?? 1), yRange = (yTicks.first ?? 0, yTicks.last ?? 1)
        func x(_ tokens: Int) -> Double { left + (Double(tokens) - xRange.0) / (xRange.1 - xRange.0) * (width - left - right) }
        func y(_ loss: Double) -> Double { height - bottom - (loss - yRange.0) / (yRange.1 - yRange.0) * (height - top - bottom) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }

        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <title>\(Self.escaped(title))</title>
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(width / 2))" y="24" text-anchor="middle" font-size="15">\(Self.escaped(title))</text>\n
            """
        for tick in xTicks {
            let px = f(x(Int(tick)))
            out += "<line x1=\"\(px)\" y1=\"\(f(top))\" x2=\"\(px)\" y2=\"\(f(height - bottom))\" stroke=\"#e4e4e4\"/>\n"
            out += "<text x=\"\(px)\" y=\"\(f(height - bottom + 18))\" text-anchor=\"middle\">\(Self.tokenLabel(tick))</text>\n"
        }
        for tick in yTicks {
            let py = f(y(tick))
            out += "<line x1=\"\(f(left))\" y1=\"\(py)\" x2=\"\(f(width - right))\" y2=\"\(py)\" stroke=\"#e4e4e4\"/>\n"
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(y(tick) + 4))\" text-anchor=\"end\">\(String(format: "%g", tick))</text>\n"
        }
        out += """
            <path d="M\(f(left)),\(f(top)) V\(f(height - bottom)) H\(f(width - right))" fill="none" stroke="black"/>
            <text x="\(f((left + width - right) / 2))" y="\(f(height - 18))" text-anchor="middle">training tokens seen</text>
            <text transform="translate(18 \(f((top + height - bottom) / 2))) rotate(-90)" text-anchor="middle">loss (nats per token)</text>\n
            """
        func polyline(_ curve: [LossHistory.Point], color: String) -> String {
            let coordinates = curve.map { "\(f(x($0.tokens))),\(f(y($0.loss)))" }.joined(separator: " ")
            return "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
        }
        let trainingColor = "#1f77b4", validationColor = "#ff7f0e"
        if !history.training.isEmpty { out += polyline(history.training, color: trainingColor) }
        if !history.validation.isEmpty {
            out += polyline(history.validation, color: validationColor)
            for point in history.validation {
                out += "<circle cx=\"\(f(x(point.tokens)))\" cy=\"\(f(y(point.loss)))\" r=\"2.5\" fill=\"\(validationColor)\"/>\n"
            }
        }
        if let best, let point = history.validation.first(where: { $0.step == best.step }) {
            let cx = x(point.tokens), cy = y(point.loss)
            let anchor = cx > width * 0.7 ? "end" : "start", dx = cx > width * 0.7 ? -10.0 : 10.0
            out += "<circle cx=\"\(f(cx))\" cy=\"\(f(cy))\" r=\"6\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
            out +=
                "<text x=\"\(f(cx + dx))\" y=\"\(f(cy - 10))\" text-anchor=\"\(anchor)\" fill=\"#d62728\">"
                + "best \(String(format: "%.4f", best.loss)) at step \(best.step)</text>\n"
        }
        let legendX = width - right - 150
        out += """
            <line x1="\(f(legendX))" y1="\(f(top + 12))" x2="\(f(legendX + 24))" y2="\(f(top + 12))" stroke="\(trainingColor)" stroke-width="2"/>
            <text x="\(f(legendX + 30))" y="\(f(top + 16))">training</text>
            <line x1="\(f(legendX))" y1="\(f(top + 30))" x2="\(f(legendX + 24))" y2="\(f(top + 30))" stroke="\(validationColor)" stroke-width="2"/>
            <text x="\(f(legendX + 30))" y="\(f(top + 34))">validation</text>
            </svg>\n
            """
        return out
    }

    /// About five round tick values (1, 2 or 5 × 10ⁿ apart) covering `low…high`.
    static func ticks(from low: Double, to high: Double) -> [Double] {
        let span = max(high - low, 1e-9)
        let magnitude = pow(10, floor(log10(span / 5)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { span / $0 <= 6 } ?? 10 * magnitude
        let first = floor(low / step) * step, last = ceil(high / step) * step
        return stride(from: first, through: last + step / 2, by: step).map { ($0 / step).rounded() * step }
    }

    /// 0, 500k, 1.5M, 2G.
    static func tokenLabel(_ tokens: Double) -> String {
        for (scale, suffix) in [(1e9, "G"), (1e6, "M"), (1e3, "k")] where tokens >= scale {
            return String(format: "%g", (tokens / scale * 100).rounded() / 100) + suffix
        }
        return String(format: "%g", tokens)
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
