/// What the writers call the voices of a tune: the four parts of a chorale by their
/// names, any other count by number.
public enum VoiceNames {
    /// The name of voice `index` (0 = the highest) of `count`: "Melody" for one voice,
    /// Soprano, Alto, Tenor, Bass for four, "Voice 1" … otherwise.
    public static func name(of index: Int, among count: Int) -> String {
        if count == 1 { return "Melody" }
        if count == 4 { return ["Soprano", "Alto", "Tenor", "Bass"][index] }
        return "Voice \(index + 1)"
    }
}
