import Foundation

/// Which synthesizer plays audio: FluidSynth with a General MIDI sound font, or the
/// built-in one.
public enum SynthChoice: String, Sendable, Hashable, CaseIterable {
    /// FluidSynth when a sound font is found, the built-in synthesizer otherwise.
    case auto
    /// FluidSynth; an error when no sound font is found.
    case fluidsynth
    /// The built-in synthesizer, even where a sound font is installed.
    case builtin
}

/// Where Recur finds a General MIDI sound font for FluidSynth.
///
/// The one installed with Recur is Debian's `fluid-soundfont-gm` (FluidR3_GM, 148 MB, MIT
/// licence): a complete GM set recorded for FluidSynth, whose fiddle, flute, organ and choir
/// sound like their instruments, and which loads in about 0.2 s because its samples are
/// stored uncompressed (MuseScore_General_Lite.sf3, a third of the size, takes 2.6 s to
/// decode on every load; TimGM6mb, 6 MB, is GPL-2 and thinner).
public enum SoundFont {
    /// The environment variable that names a sound font for every render of the process.
    public static let environmentVariable = "RECUR_SOUNDFONT"

    /// The places searched, in order, when neither a job nor the command line names one.
    public static let searchPaths = [
        "/usr/share/sounds/sf2/FluidR3_GM.sf2",
        "/usr/share/sounds/sf2/default-GM.sf2",
        "/usr/share/sounds/sf3/default-GM.sf3",
        "/usr/share/sounds/sf2/TimGM6mb.sf2",
        "/usr/share/sounds/sf3/MuseScore_General.sf3",
    ]

    /// The sound font to use: `explicit` when given (it must exist), else
    /// `$RECUR_SOUNDFONT`, else the first of `searchPaths` that exists; nil when none does.
    /// - Throws: `SoundFontError.missing` when a named file does not exist.
    public static func locate(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        searchPaths: [String] = searchPaths
    ) throws(SoundFontError) -> String? {
        if let explicit {
            guard isReadableFile(explicit) else { throw SoundFontError(path: explicit, problem: .missing) }
            return explicit
        }
        if let named = environment[environmentVariable], !named.isEmpty {
            guard isReadableFile(named) else {
                throw SoundFontError(path: named, problem: .missing, source: "$\(environmentVariable)")
            }
            return named
        }
        return searchPaths.first(where: isReadableFile)
    }

    private static func isReadableFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isReadableFile(atPath: path)
    }
}

/// A sound font that cannot be used.
public struct SoundFontError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// The file does not exist, is a directory, or cannot be read.
        case missing
        /// FluidSynth could not load it (not a SoundFont 2/3 file, or damaged).
        case unreadable
        /// FluidSynth was asked for and no sound font was found.
        case noneFound
    }

    /// The file, or "" for `noneFound`.
    public let path: String
    public let problem: Problem
    /// Where the path came from (`$RECUR_SOUNDFONT`), when not from a setting.
    public var source: String? = nil

    public init(path: String, problem: Problem, source: String? = nil) {
        self.path = path
        self.problem = problem
        self.source = source
    }

    public var description: String {
        let from = source.map { " (from \($0))" } ?? ""
        switch problem {
        case .missing:
            return "the sound font \(path)\(from) does not exist or cannot be read; name an .sf2 or .sf3 file that does"
        case .unreadable:
            return "the sound font \(path)\(from) is not a SoundFont FluidSynth can load (damaged, or not .sf2/.sf3); "
                + "name another, or use the built-in synthesizer (synth \"builtin\")"
        case .noneFound:
            return "no sound font found for FluidSynth (looked at $\(SoundFont.environmentVariable) and "
                + SoundFont.searchPaths.joined(separator: ", ")
                + "); install one (apt install fluid-soundfont-gm), name one (soundfont), or use synth \"builtin\""
        }
    }
}
