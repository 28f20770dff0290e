extension PreparedRequest {
    /// The token at guide position `generated` drawn with the guide's odds
    /// (`SamplingRequest.guideOdds`), or nil where the position has none.
    func drawnByOdds(generated: Int, random: inout SampleRandom) -> Int? {
        guard generated < guideOdds.count, case let odds = guideOdds[generated], !odds.isEmpty else { return nil }
        let ids = guide[generated]
        if request.effectiveTemperature == 0 { return ids[odds.indices.max { odds[$0] < odds[$1] }!] }
        var remaining = random.nextUnit() * odds.reduce(0, +)
        for (index, weight) in odds.enumerated() where weight > 0 {
            remaining -= weight
            if remaining < 0 { return ids[index] }
        }
        return ids[odds.lastIndex { $0 > 0 }!]
    }
}
