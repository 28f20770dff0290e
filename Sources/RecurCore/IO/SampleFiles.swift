import Foundation

/// Names and writes the output files of a request: `sample-001.txt`, `sample-002.wav` …
/// Shared by `recur generate --out` and the daemon so that both lay out results alike.
public enum SampleFiles {
    /// The file name of sample `index` (0-based) of `count`, with at least three digits.
    public static func name(index: Int, count: Int, fileExtension: String) -> String {
        let digits = max(3, String(count).count)
        let number = String(index + 1)
        return "sample-" + String(repeating: "0", count: max(0, digits - number.count)) + number + "." + fileExtension
    }

    /// Writes a text sample atomically into `directory` and returns the file's path.
    @discardableResult
    public static func writeText(_ text: String, index: Int, count: Int, to directory: String) throws(FileWriteError) -> String {
        let path = directory + "/" + name(index: index, count: count, fileExtension: "txt")
        try AtomicFile.write(Data(text.utf8), to: path)
        return path
    }
}
