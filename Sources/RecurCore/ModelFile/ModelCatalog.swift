import Foundation

/// A model name that could not be resolved to a file.
public struct ModelLookupError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was asked for.
    public let name: String
    /// The models directory searched, if any.
    public let directory: String?
    /// The model names that do exist there.
    public let available: [String]
    /// Whether the directory exists (an explicit `--models` may name one that does not).
    public var directoryExists = true

    public var description: String {
        guard let directory else {
            return
                "model '\(name)' not found: no models directory (set --models or RECUR_MODELS, or give a path to a .safetensors file)"
        }
        if !directoryExists {
            return
                "model '\(name)' not found: the models directory \(directory) does not exist; give --models an existing directory or a path to a .safetensors file"
        }
        if available.isEmpty {
            return
                "model '\(name)' not found: \(directory) holds no models; give a path to a .safetensors file or use --models DIR"
        }
        return "model '\(name)' not found in \(directory) (available: \(available.joined(separator: ", "))); "
            + "give one of those names or a path to a .safetensors file"
    }
}

/// Finds model files: by name (the file stem) in a models directory, or by path.
///
/// The directory is, in order: an explicit `--models`, `$RECUR_MODELS`, `./models`,
/// `/usr/local/share/recur/models`, `/usr/share/recur/models` — the first that exists
/// (DESIGN.md §8).
public struct ModelCatalog: Sendable {
    /// The models directory, or nil when none of the candidates exists.
    public let directory: String?

    /// Whether the models directory exists: false when there is none, or when an explicit
    /// directory names nothing (or a file).
    public var directoryExists: Bool { directory.map(Self.isDirectory) ?? false }

    /// The file extension of model files.
    public static let fileExtension = "safetensors"

    /// Where the default search looked, in order (`$RECUR_MODELS` when set), for messages
    /// that say where no models directory was found; empty for an explicit directory.
    public let searched: [String]

    /// A catalog over an explicit directory or the default search.
    public init(directory explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicit {
            directory = explicit
            searched = []
            return
        }
        searched = ([environment["RECUR_MODELS"]].compactMap { $0 } + Self.defaultDirectories).filter { !$0.isEmpty }
        directory = searched.first { Self.isDirectory($0) }
    }

    /// "looked in ./models, /usr/local/share/recur/models, …" for a search that found nothing.
    public var searchDescription: String {
        let unset = searched.count == Self.defaultDirectories.count ? " ($RECUR_MODELS is not set)" : ""
        return "looked in " + searched.joined(separator: ", ") + unset
    }

    /// The directories searched after `$RECUR_MODELS`.
    static let defaultDirectories = ["./models", "/usr/local/share/recur/models", "/usr/share/recur/models"]

    /// The path of a model given by name or path. A bare name is looked up in the models
    /// directory first, so that a file of that name in the working directory (a `folk`
    /// left by a shell redirect) does not shadow the model; only when the directory has
    /// no such model is an existing file of that name taken as a path.
    public func path(for nameOrPath: String) throws(ModelLookupError) -> String {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix("." + Self.fileExtension) { return nameOrPath }
        if let directory {
            let candidate = directory + "/" + nameOrPath + "." + Self.fileExtension
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        if FileManager.default.fileExists(atPath: nameOrPath) && !Self.isDirectory(nameOrPath) { return nameOrPath }
        throw ModelLookupError(
            name: nameOrPath, directory: directory, available: entries().map(\.name), directoryExists: directoryExists)
    }

    /// The model files in the directory, sorted by name.
    public func entries() -> [(name: String, path: String)] {
        guard let directory, let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return files.filter { $0.hasSuffix("." + Self.fileExtension) && !$0.hasPrefix(".") }.sorted().map { file in
            (String(file.dropLast(Self.fileExtension.count + 1)), directory + "/" + file)
        }
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
