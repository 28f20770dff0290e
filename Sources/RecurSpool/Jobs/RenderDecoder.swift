import RecurMusic

/// Reads a job's `render` object into a `RenderConfiguration`, with the same ranges
/// as `recur render` (checked by `RenderConfiguration.validate()`) and errors named
/// `render.FIELD`.
enum RenderDecoder {
    /// The fields of `render`, in the order they are checked.
    static let fields = [
        "tempo", "instrument", "synth", "soundfont", "reverb", "chorus", "staves", "sample_rate", "channels", "bits",
        "velocity", "swing",
    ]

    static func decode(_ field: JobField, formats: [OutputKind]) throws(JobError) -> RenderConfiguration {
        try field.checkNotNull()
        guard case .object(let members) = field.value else {
            throw field.error(
                "\"render\" must be an object, not \(field.value.kindDescription).",
                hint: "Write \"render\": {\"tempo\": 120, \"instrument\": \"fiddle\"}, or leave it out for the defaults.")
        }
        if let unknown = members.first(where: { !fields.contains($0.key) }) {
            throw JobError(
                error: "\"render\" has an unknown field \"\(unknown.key)\".", field: "render." + unknown.key,
                value: JSONValue.quoted(unknown.key),
                hint: NameSuggestion.hint(for: unknown.key, in: fields, what: "fields of \"render\""))
        }
        var given: [String: JobField] = [:]
        for member in members { given[member.key] = JobField(path: "render." + member.key, value: member.value) }

        var configuration = RenderConfiguration()
        if let field = given["tempo"] { configuration.tempo = try field.number() }
        if let field = given["instrument"] {
            let text = try field.string()
            do {
                configuration.instruments = try VoiceInstruments(parsing: text)
            } catch {
                var hint =
                    "Name a General MIDI instrument (violin, church-organ, choir-aahs), or one of \(Instrument.wordList); "
                    + "one per voice as \"soprano=flute,alto=oboe,tenor=clarinet,bass=bassoon\"."
                if case .unknownInstrument(let name) = error.problem {
                    // The error lists the instruments already.
                    hint = "One for all voices, or one per voice as \"soprano=flute,alto=oboe,tenor=clarinet,bass=bassoon\"."
                    if let suggestion = NameSuggestion.nearest(to: GeneralMIDI.key(name), in: Instrument.names) {
                        hint = "did you mean \"\(suggestion)\"? " + hint
                    }
                }
                throw field.error("\"render.instrument\": \(error.description).", hint: hint)
            }
        }
        if let field = given["synth"] {
            let name = try field.string()
            guard let synth = SynthChoice(rawValue: name) else {
                throw field.error(
                    "\"render.synth\" must be \"auto\", \"fluidsynth\" or \"builtin\".",
                    hint:
                        "\"auto\" (the default) plays FluidSynth when a sound font is found, the built-in synthesizer otherwise.")
            }
            configuration.synth = synth
        }
        if let field = given["soundfont"] {
            let path = try field.string()
            guard path.hasPrefix("/") else {
                throw field.error(
                    "\"render.soundfont\" must be an absolute path.",
                    hint: "Name the .sf2 or .sf3 file on the daemon's host, e.g. \"/usr/share/sounds/sf2/FluidR3_GM.sf2\".")
            }
            configuration.soundFont = path
        }
        if let field = given["staves"] {
            guard let staves = try field.integerLiteral().flatMap(ScoreStaves.init(rawValue:)) else {
                throw field.error(
                    "\"render.staves\" must be 2 or 4.",
                    hint:
                        "2 sets soprano and alto on a treble staff and tenor and bass on a bass staff; 4 gives each voice its own."
                )
            }
            configuration.staves = staves
        }
        if let field = given["reverb"] { configuration.reverb = try field.number() }
        if let field = given["chorus"] { configuration.chorus = try field.number() }
        // Out-of-range integers saturate so that validate() reports them with its ranges.
        if let field = given["sample_rate"] { configuration.sampleRate = try saturatedInteger(field) }
        if let field = given["channels"] { configuration.channels = try saturatedInteger(field) }
        if let field = given["bits"] { configuration.sampleFormat = try sampleFormat(field, formats: formats) }
        if let field = given["velocity"] { configuration.velocity = try saturatedInteger(field) }
        if let field = given["swing"] { configuration.swing = try field.number() }

        do {
            try configuration.validate()
        } catch {
            let field = given[error.setting] ?? JobField(path: "render." + error.setting, value: .string(error.value))
            throw field.error(
                "\"render.\(error.setting)\" is out of range.", hint: "Set \"\(error.setting)\" to \(error.expected).")
        }
        return configuration
    }

    private static func saturatedInteger(_ field: JobField) throws(JobError) -> Int {
        if let integer = try field.integerLiteral() { return integer }
        guard case .number(let number) = field.value, number.text.hasPrefix("-") else { return .max }
        return .min
    }

    /// `bits`: 16 or 24 (as numbers or strings) or "float"; float is WAV-only, as
    /// in `recur render --bits`.
    private static func sampleFormat(_ field: JobField, formats: [OutputKind]) throws(JobError) -> SampleFormat {
        try field.checkNotNull()
        let hint = "Use 16 or 24 (WAV, FLAC) or \"float\" (WAV only); other formats in the same job ignore it."
        let parsed: SampleFormat?
        switch field.value {
        case .number(let number) where number.isInteger: parsed = SampleFormat(rawValue: number.text)
        case .string(let text): parsed = SampleFormat(rawValue: text)
        default:
            throw field.error("\"render.bits\" must be 16, 24 or \"float\", not \(field.value.kindDescription).", hint: hint)
        }
        guard let parsed else { throw field.error("\"render.bits\" must be 16, 24 or \"float\".", hint: hint) }
        guard formats.contains(.rendered(.wav)) || formats.contains(.rendered(.flac)) else {
            let asked = formats.map(\.rawValue).joined(separator: ", ")
            throw field.error(
                "\"render.bits\" applies to WAV and FLAC, and the job asks for \(asked).",
                hint: "Leave \"bits\" out, or add \"wav\" or \"flac\" to \"format\" (recur generate --bits refuses the same).")
        }
        if parsed == .float && formats.contains(.rendered(.flac)) {
            throw field.error(
                "\"render.bits\" is \"float\", but FLAC stores only 16- or 24-bit samples.",
                hint: "Use 16 or 24 for FLAC, or ask for \"wav\" instead of \"flac\".")
        }
        return parsed
    }
}
