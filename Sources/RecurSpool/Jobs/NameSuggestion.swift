/// Finds the known name someone most likely meant, so that an unknown field or
/// value can be answered with "did you mean …?" rather than a list to search.
public enum NameSuggestion {
    /// The known name nearest to `name` (case-insensitive edit distance), if it
    /// is close enough to be a typo, or the only known name that `name` abbreviates
    /// (`temp` → `temperature`). Ties go to the earlier known name.
    public static func nearest(to name: String, in known: [String]) -> String? {
        let typed = Array(name.lowercased().unicodeScalars)
        guard !typed.isEmpty, typed.count <= 64 else { return nil }
        var best: (name: String, distance: Int)?
        for candidate in known {
            let distance = editDistance(typed, Array(candidate.lowercased().unicodeScalars))
            let allowed = max(1, min(3, (candidate.count + 1) / 3))
            if distance <= allowed, distance < best?.distance ?? .max { best = (candidate, distance) }
        }
        if let best { return best.name }
        let extended = known.filter { typed.count >= 3 && $0.lowercased().hasPrefix(name.lowercased()) }
        return extended.count == 1 ? extended.first : nil
    }

    /// A hint: `did you mean "temperature"? …` then the known names, or only those.
    public static func hint(for name: String, in known: [String], what: String) -> String {
        let list = "The \(what) are: \(known.joined(separator: ", "))."
        guard let nearest = nearest(to: name, in: known) else { return list }
        return "did you mean \"\(nearest)\"? " + list
    }

    /// Insertions, deletions, substitutions and swaps of neighbours that turn `a`
    /// into `b` (optimal string alignment), so `modle` is one step from `model`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var earlier = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1), previous[j] + 1, current[j - 1] + 1)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], earlier[j - 2] + 1)
                }
            }
            (earlier, previous, current) = (previous, current, earlier)
        }
        return previous[b.count]
    }
}
