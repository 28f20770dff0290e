import RecurCore
import RecurMusic

/// Turns a job file's top-level object into a `Job`, one field at a time, refusing
/// unknown fields, wrong types and values out of range (DESIGN.md §7).
///
/// Unknown fields are reported first (a misspelt `temprature` would otherwise be
/// silently replaced by the default), then the fields in the order of `fields`, then
/// a missing `model`.
struct JobDecoder {
    /// The fields a job file may have, in the order they are checked.
    static let fields = [
        "model", "count", "length", "temperature", "top_k", "top_p", "prime", "stop", "seed", "best_of", "beam", "format",
        "render",
        "meter", "mode", "key", "harmonize", "free_bars", "free_form", "free_voicing",
    ]

    /// The longest model name; also the longest file name most filesystems allow.
    static let maximumModelNameLength = 255

    /// The checks' limits.
    let limits: JobLimits

    func decode(_ members: [JSONMember]) throws(JobError) -> Job {
        if let unknown = members.first(where: { !Self.fields.contains($0.key) }) {
            throw JobError(
                error: "The job file has an unknown field \"\(unknown.key)\".", field: unknown.key,
                value: JSONValue.quoted(unknown.key),
                hint: NameSuggestion.hint(for: unknown.key, in: Self.fields, what: "fields of a job file"))
        }
        var given: [String: JobField] = [:]
        for member in members { given[member.key] = JobField(path: member.key, value: member.value) }

        guard let modelField = given["model"] else {
            throw JobError(
                error: "The job file has no \"model\" field; it is the one field a job must have.",
                hint: "Name a model of the daemon's models directory: {\"model\": \"NAME\"} (see `recur models`).")
        }
        var job = Job(model: try modelName(modelField))
        let sampling = limits.sampling
        if let field = given["count"] {
            job.request.count = try field.integer(
                in: 1...sampling.maximumCount, sentence: "\"count\" must be between 1 and \(sampling.maximumCount).",
                hint: "Ask for 1 to \(sampling.maximumCount) samples; submit several jobs for more.")
        }
        if let field = given["length"] {
            job.request.length = try field.integer(
                in: 1...sampling.maximumLength, sentence: "\"length\" must be between 1 and \(sampling.maximumLength) tokens.",
                hint: "Give the most tokens each sample may have, such as 400.")
        }
        let (total, overflow) = job.request.count.multipliedReportingOverflow(by: job.request.length)
        if overflow || total > sampling.maximumTotalTokens {
            throw JobError(
                error:
                    "count × length = \(overflow ? "more than \(Int.max)" : String(total)) tokens is more than the \(sampling.maximumTotalTokens) one job may ask for.",
                field: "length", value: String(job.request.length),
                hint: "Ask for fewer or shorter samples, or split the work into several jobs.")
        }
        if let field = given["temperature"] {
            let temperature = try field.number()
            guard temperature.isFinite, (0...100).contains(temperature) else {
                throw field.error(
                    "\"temperature\" must be between 0 and 100.",
                    hint: "Use 0 for greedy (always the most probable token), around 0.5–1 for varied text.")
            }
            job.request.temperature = temperature
        }
        if let field = given["top_k"] {
            job.request.topK = try field.integer(
                in: 0...Int.max, sentence: "\"top_k\" must be 0 or a positive whole number of tokens.",
                hint: "Use 0 to sample from every token, or a number such as 40 to keep only the 40 most probable.")
        }
        if let field = given["top_p"] {
            let topP = try field.number()
            guard topP.isFinite, topP > 0, topP <= 1 else {
                throw field.error(
                    "\"top_p\" must be greater than 0 and at most 1.",
                    hint: "Use 1 to sample from every token, or a fraction such as 0.9 to keep the most probable 90%.")
            }
            job.request.topP = topP
        }
        if let field = given["prime"] {
            job.request.prime = try prime(field)
        }
        if let field = given["stop"] {
            job.request.stop = try stops(field)
        }
        if let field = given["seed"] {
            let seed = try field.integer(
                in: 0...Int(Int64.max), sentence: "\"seed\" must be a whole number between 0 and \(Int64.max).",
                hint:
                    "Give any whole number in that range, or leave \"seed\" out and the daemon picks one (it is recorded in result.json)."
            )
            job.seed = UInt64(seed)
            job.request.seed = UInt64(seed)
        }
        let most = sampling.maximumCandidates
        if let field = given["best_of"] {
            job.request.bestOf = try field.integer(
                in: 1...most, sentence: "\"best_of\" must be between 1 and \(most) candidates.",
                hint: "Give how many candidates to draw for each sample, such as 8; the likeliest is kept.")
        }
        if let field = given["beam"] {
            job.request.beam = try field.integer(
                in: 1...most, sentence: "\"beam\" must be between 1 and \(most) hypotheses.",
                hint: "Give the width of the beam search, such as 4, or leave \"beam\" out to sample.")
        }
        do {
            try job.request.checkSearch(limits: sampling)
        } catch {
            throw error.jobError(model: nil)
        }
        if let field = given["format"] {
            job.formats = try formats(field)
        }
        if let field = given["render"] {
            job.render = try RenderDecoder.decode(field, formats: job.formats)
        }
        job.tune = TuneOptions(
            meter: try given["meter"]?.string(), mode: try given["mode"]?.string(), key: try given["key"]?.string(),
            harmonize: try given["harmonize"].map(harmonize), freeBars: try given["free_bars"]?.boolean() ?? false,
            freeForm: try given["free_form"]?.boolean() ?? false,
            freeVoicing: try given["free_voicing"]?.boolean() ?? false)
        do {
            job.tune = try job.tune.readingMelody()
            try job.tune.validate()
            job.render.key = try job.tune.tonic()
        } catch {
            throw Self.tuneError(error)
        }
        return job
    }

    /// A tune option's error as the job file's: the field, its value, and the fix.
    static func tuneError(_ error: TuneOptionError) -> JobError {
        let hint =
            switch error.field {
            case "meter": "Leave \"meter\" out to let the model choose, or give one it knows (see `recur info MODEL`)."
            case "mode": "Leave \"mode\" out to let the model choose, or give one it knows (see `recur info MODEL`)."
            case "harmonize":
                "Give one voice as note tokens such as \"n72 - - - n71 - - - |\", ABC, MusicXML or base64 MIDI, within the range of the model's highest voice, with a model of several voices such as chorales."
            default: "Give the tonic alone, such as \"E\", \"F#\" or \"Bb\"; the mode comes from \"mode\"."
            }
        return JobError(
            error: "\"\(error.field)\" \(JSONValue.quoted(error.value)) \(error.problem).", field: error.field,
            value: JSONValue.quoted(error.value), hint: hint)
    }

    /// The model's name: a file stem, never a path, because the daemon serves only
    /// its own models directory and a job must not reach other files.
    private func modelName(_ field: JobField) throws(JobError) -> String {
        let name = try field.string()
        let hint =
            "Give the model's name as `recur models` lists it, such as \"shakespeare\": a job names a model in the daemon's models directory, never a path or a file."
        guard !name.isEmpty else { throw field.error("\"model\" is empty.", hint: hint) }
        guard name.count <= Self.maximumModelNameLength else {
            throw field.error("\"model\" is longer than \(Self.maximumModelNameLength) characters.", hint: hint)
        }
        guard !name.contains("/"), !name.contains(".."), !name.hasPrefix(".") else {
            throw field.error("\"model\" is a path; a job file names a model, it cannot point to a file.", hint: hint)
        }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw field.error("\"model\" contains a control character.", hint: hint)
        }
        guard !name.hasSuffix("." + ModelCatalog.fileExtension) else {
            throw field.error(
                "\"model\" names a file; a job file names a model by its name alone.",
                hint: "Leave out the extension: \"\(name.dropLast(ModelCatalog.fileExtension.count + 1))\".")
        }
        return name
    }

    /// `harmonize`: a melody as note tokens, ABC, MusicXML or base64 MIDI (read by
    /// `TuneOptions.readingMelody`), bounded by the job file's own size limit.
    private func harmonize(_ field: JobField) throws(JobError) -> String {
        let melody = try field.string()
        guard !melody.allSatisfy(\.isWhitespace) else {
            throw field.error(
                "\"harmonize\" is empty.",
                hint:
                    "Give the melody as note tokens such as \"n72 - - - n71 - - - |\", as ABC or MusicXML text, or as MIDI in base64."
            )
        }
        return melody
    }

    private func prime(_ field: JobField) throws(JobError) -> String {
        try boundedText(field) {
            "Shorten the prime to its last \($0) characters; only the recent context matters to the network."
        }
    }

    /// A string of at most the prime's limit of characters; `hint` says how to shorten it
    /// to that limit.
    private func boundedText(_ field: JobField, hint: (Int) -> String) throws(JobError) -> String {
        let text = try field.string()
        let maximum = limits.sampling.maximumPrimeLength
        guard text.unicodeScalars.count <= maximum else {
            throw field.error(
                "\"\(field.path)\" is \(text.unicodeScalars.count) characters long, more than the \(maximum) allowed.",
                hint: hint(maximum))
        }
        return text
    }

    /// `stop`: one string, or an array of strings.
    private func stops(_ field: JobField) throws(JobError) -> [String] {
        try field.checkNotNull()
        let maximum = limits.sampling.maximumStops
        let entries: [JobField]
        switch field.value {
        case .string:
            entries = [field]
        case .array(let elements):
            guard elements.count <= maximum else {
                throw field.error(
                    "\"stop\" has \(elements.count) entries, more than the \(maximum) allowed.",
                    hint: "Keep the \(maximum) stop strings that matter most.")
            }
            entries = elements.enumerated().map { JobField(path: "stop[\($0.offset)]", value: $0.element) }
        default:
            throw field.error(
                "\"stop\" must be a string or an array of strings, not \(field.value.kindDescription).",
                hint: "Write \"stop\": \"\\n\\n\" or \"stop\": [\"\\n\\n\", \"THE END\"].")
        }
        var stops: [String] = []
        for entry in entries {
            let stop = try entry.string()
            guard (1...1000).contains(stop.unicodeScalars.count) else {
                throw entry.error(
                    "\"\(entry.path)\" must be 1 to 1000 characters long.",
                    hint: "Give the text that ends a sample, such as \"\\n\\n\"; leave out empty entries.")
            }
            stops.append(stop)
        }
        return stops
    }

    /// `format`: one name, or a non-empty array of distinct names.
    private func formats(_ field: JobField) throws(JobError) -> [OutputKind] {
        try field.checkNotNull()
        let names = OutputKind.allCases.map(\.rawValue)
        let entries: [JobField]
        switch field.value {
        case .string:
            entries = [field]
        case .array(let elements) where !elements.isEmpty:
            entries = elements.enumerated().map { JobField(path: "format[\($0.offset)]", value: $0.element) }
        case .array:
            throw field.error(
                "\"format\" is an empty list; a job must write at least one format.",
                hint: "Leave \"format\" out for text, or list formats: \"format\": [\"midi\", \"wav\"].")
        default:
            throw field.error(
                "\"format\" must be a format name or an array of names, not \(field.value.kindDescription).",
                hint:
                    "Write \"format\": \"wav\" or \"format\": [\"midi\", \"wav\"]; the formats are \(names.joined(separator: ", "))."
            )
        }
        var formats: [OutputKind] = []
        for entry in entries {
            let name = try entry.string()
            guard let kind = OutputKind(rawValue: name) else {
                throw entry.error(
                    "\"\(entry.path)\" is not a format the daemon writes.",
                    hint: NameSuggestion.hint(for: name, in: names, what: "formats"))
            }
            guard !formats.contains(kind) else {
                throw entry.error("\"\(name)\" is listed twice in \"format\".", hint: "List each format once.")
            }
            formats.append(kind)
        }
        return formats
    }
}
