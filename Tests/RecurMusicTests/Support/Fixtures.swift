import Foundation
import RecurMusic

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "recur-music-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The files in `directory`, hidden ones included.
func listing(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

/// A short tune: notes, a held note, a rest, a repeated pitch.
let shortTune = "n60 - - - n64 - n67 - r - n72 - - - n72 - <eos>".split(separator: " ").map(String.init)

/// A path that cannot be written even by root: /sys refuses new files.
let unwritableDirectory = "/sys"
