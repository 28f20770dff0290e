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
    public init(
        model: String, request: SamplingRequest = SamplingRequest(), seed: UInt64? = nil,
        formats: [OutputKind] = [.text], render: RenderConfiguration = RenderConfiguration()
    ) {
        self.model = model
        self.request = request
        self.seed = seed
        self.formats = formats
        self.render = render
    }
}

/// A kind of file a job can ask for: the `format` values of a job file — `text`, or
/// any format a tune is rendered to (notes models).
public enum OutputKind: Sendable, Hashable {
    /// The sample as text (text models) or as its note tokens (notes models).
    case text
    /// A tune written as audio, MIDI, ABC or a piano roll.
    case rendered(OutputFormat)

    /// Every kind, text first, as a job file names them.
    public static var allCases: [OutputKind] { [.text] + OutputFormat.allCases.map { .rendered($0) } }

    /// The kind a job file's name stands for (`"text"`, `"wav"`, `"abc"` …).
    public init?(rawValue: String) {
        if rawValue == "text" {
            self = .text
        } else if let format = OutputFormat(rawValue: rawValue) {
            self = .rendered(format)
        } else {
            return nil
        }
    }

    /// The name in a job file.
    public var rawValue: String {
        switch self {
        case .text: "text"
        case .rendered(let format): format.rawValue
        }
    }

    /// The rendered format, so the writer can hand it to RecurMusic; nil for text,
    /// which needs no renderer.
    public var audioFormat: OutputFormat? {
        switch self {
        case .text: nil
        case .rendered(let format): format
        }
    }
}
