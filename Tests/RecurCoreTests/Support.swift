import Foundation

@testable import RecurCore

/// The repository root, found from this file's path so tests run from any directory.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A fixture file under Tests/RecurCoreTests/Fixtures.
func fixture(_ relative: String) -> String {
    repositoryRoot.appendingPathComponent("Tests/RecurCoreTests/Fixtures/\(relative)").path
}

/// Decodes a JSON fixture.
func loadJSON<T: Decodable>(_ type: T.Type, _ relative: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: URL(fileURLWithPath: fixture(relative))))
}

/// A fresh temporary directory, removed by the caller with `cleanUp`.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "recur-tests-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Largest |a − b| / max(|b|, 1) over two arrays (a relative error that stays
/// meaningful near zero).
func maximumRelativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "lengths differ: \(a.count) vs \(b.count)")
    var worst = 0.0
    for (x, y) in zip(a, b) { worst = max(worst, abs(Double(x) - y) / max(abs(y), 1)) }
    return worst
}

/// A small random network for tests that need one.
func randomNetwork(cell: CellKind, vocabulary: Int, hidden: Int, layers: Int, embedding: Int? = nil, seed: UInt64 = 1)
    -> RecurrentNetwork
{
    var generator = TestRandom(seed: seed)
    var network = RecurrentNetwork(
        cell: cell, vocabularySize: vocabulary, hiddenSize: hidden, layerCount: layers, embeddingSize: embedding)
    func fill(_ values: inout [Float]) { for i in values.indices { values[i] = Float.random(in: -1...1, using: &generator) } }
    if var e = network.embedding {
        fill(&e.values)
        network.embedding = e
    }
    for k in network.layers.indices {
        fill(&network.layers[k].inputWeights.values)
        fill(&network.layers[k].hiddenWeights.values)
        fill(&network.layers[k].inputBias)
        fill(&network.layers[k].hiddenBias)
    }
    fill(&network.headWeights.values)
    fill(&network.headBias)
    return network
}

/// SplitMix64, so that test data does not depend on the platform's generator.
struct TestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
