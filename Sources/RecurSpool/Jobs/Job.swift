import RecurCore
import RecurMusic

/// A job file that passed every check that needs no model (DESIGN.md §7).
///
/// The model-dependent checks (its kind, its vocabulary) come later, in
/// `prepared(for:limits:)`, once the daemon has loaded the model the job names.
public struct Job: Sendable, Equatable {
    /// The model's name: a file stem in the daemon's models directory, never a path.
    public var model: String
    /// What to sample. `seed` is 0 when the file has none; use `seed` below to tell.
    public var request: SamplingRequest
    /// The file's seed; nil means the daemon chooses one and records it in result.json.
    public var seed: UInt64?
    /// The files to write for every sample, in the order given; never empty.
    public var formats: [OutputKind]
    /// How notes become sound; the defaults when the file has no `render`. Its `key`
    /// is the job's `key`.
    public var render: RenderConfiguration
    /// The job's `meter`, `mode` and `key` (notes models).
    public var tune = TuneOptions()

    /// A job for `model` with every default: one text sample of 400 tokens.
    public init(model: String, request: SamplingRequest = SamplingRequest(), seed: UInt64? = nil,
                formats: [OutputKind] = [.text], render: RenderConfiguration = RenderConfiguration()) {
        self.model = model
        self.request = request
        self.seed = seed
        self.formats = formats
        self.render = render
    }
}

/// A kind of file a job can ask for: the `format` values of a job file.
public enum OutputKind: String, Sendable, Equatable, CaseIterable {
    /// The sample as text (text models) or as its note tokens (notes models).
    case text
    /// RIFF WAVE audio (notes models).
    case wav
    /// FLAC audio (notes models).
    case flac
    /// Ogg/Vorbis audio (notes models).
    case ogg
    /// MP3 audio (notes models).
    case mp3
    /// A Standard MIDI File (notes models).
    case midi
    /// ABC notation (notes models).
    case abc
    /// An SVG piano roll (notes models).
    case svg

    /// The rendered format, so the writer can hand it to RecurMusic; nil for text,
    /// which needs no renderer.
    public var audioFormat: OutputFormat? {
        switch self {
        case .text: nil
        case .wav: .wav
        case .flac: .flac
        case .ogg: .ogg
        case .mp3: .mp3
        case .midi: .midi
        case .abc: .abc
        case .svg: .svg
        }
    }
}
