/// What plays a voice: a General MIDI program, written to MIDI files and played by
/// FluidSynth from a sound font, and the built-in synthesizer's voice that stands in for
/// it when no sound font is used.
///
/// Instruments are named by General MIDI names (`violin`, `church-organ`, `choir-aahs`,
/// any of `GeneralMIDI.programNames` as `GeneralMIDI.key` spells it), by a few words
/// musicians use (`fiddle`, `flute`, `piano`, `harp`, `organ`, `choir`, `strings`,
/// `accordion`, …), or by the built-in voices' own names (`pluck`, `square`).
public struct Instrument: Sendable, Hashable, CustomStringConvertible {
    /// The name it was chosen by, canonical (`fiddle`, `church-organ`).
    public let name: String
    /// The General MIDI program, 0-based (`fiddle` is 40, Violin).
    public let program: Int
    /// The built-in synthesizer's voice for it.
    public let builtinVoice: BuiltinVoice

    /// The instrument called `name` (case, spaces and punctuation ignored), or nil.
    public init?(named name: String) {
        let key = GeneralMIDI.key(name)
        if let word = Self.words[key] {
            self.init(name: key, program: word.program, builtinVoice: word.voice)
        } else if let program = GeneralMIDI.program(forKey: key) {
            self.init(name: key, program: program, builtinVoice: BuiltinVoice.standingIn(forProgram: program))
        } else {
            return nil
        }
    }

    private init(name: String, program: Int, builtinVoice: BuiltinVoice) {
        self.name = name
        self.program = program
        self.builtinVoice = builtinVoice
    }

    /// The General MIDI program written to MIDI files (0-based).
    public var midiProgram: Int { program }
    /// The built-in voice's amplitude envelope.
    public var envelope: Envelope { builtinVoice.envelope }
    /// The General MIDI name of its program.
    public var programName: String { GeneralMIDI.programNames[program] }
    public var description: String { name }

    /// The built-in synthesizer's plucked string (GM Acoustic Guitar (steel)).
    public static let pluck = Instrument(name: "pluck", program: 25, builtinVoice: .pluck)
    /// The church organ (GM 19); the built-in synthesizer plays it as its organ voice.
    public static let organ = Instrument(name: "organ", program: 19, builtinVoice: .organ)
    /// The built-in synthesizer's square wave (GM Lead 1 (square)).
    public static let square = Instrument(name: "square", program: 80, builtinVoice: .square)
    /// The violin (GM 40) as a folk fiddler plays it.
    public static let fiddle = Instrument(named: "fiddle")!
    /// The built-in synthesizer's three voices under their own names.
    public static let builtinVoices: [Instrument] = [.pluck, .organ, .square]

    /// The words musicians use, with the program each means and the built-in voice for it.
    /// They come before the General MIDI names: `fiddle` is the violin (GM 40), not the GM
    /// "Fiddle" (110, an ethnic instrument), and `organ` is the church organ.
    static let words: [String: (program: Int, voice: BuiltinVoice)] = [
        "pluck": (25, .pluck), "square": (80, .square), "organ": (19, .organ),
        "fiddle": (40, .organ), "flute": (73, .organ), "piano": (0, .pluck), "harp": (46, .pluck),
        "choir": (52, .organ), "strings": (48, .organ), "accordion": (21, .organ),
        "guitar": (24, .pluck), "whistle": (78, .organ), "tin-whistle": (78, .organ), "pipes": (109, .square),
        "uilleann-pipes": (109, .square), "concertina": (21, .organ), "banjo": (105, .pluck),
        "mandolin": (24, .pluck), "horn": (60, .square), "voice": (52, .organ), "voices": (52, .organ),
    ]

    /// Every name accepted: the musicians' words, then the General MIDI names.
    public static var names: [String] {
        words.keys.sorted() + GeneralMIDI.programNames.map(GeneralMIDI.key).filter { words[$0] == nil }
    }

    /// The names to show in help and errors: the musicians' words.
    public static var wordList: String { words.keys.sorted().joined(separator: ", ") }
}
