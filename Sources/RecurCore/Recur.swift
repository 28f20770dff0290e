/// Facts about this build of Recur.
public enum Recur {
    /// The version printed by `recur --version`.
    public static let version = "0.1.0"
}
