import Foundation
import RecurCore
import RecurMusic

extension RequestError {
    /// The value as error.json gives every value: JSON text, a number as written and
    /// anything else as a JSON string.
    var jsonValue: String {
        if Double(value) != nil && value.allSatisfy({ "0123456789+-.eE".contains($0) }) { return value }
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\""),
            (try? JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)) is String
        {
            return value
        }
        return JSONValue.quoted(value)
    }

    /// The error as error.json gives it, with the hint for its field (and `model`, when
    /// the check needed one).
    func jobError(model: RecurModel?) -> JobError {
        JobError(
            error: "\"\(field)\" \(problem).", field: field, value: jsonValue, hint: Job.hint(for: field, model: model))
    }
}

extension Job {
    /// Checks the job against the model it names and prepares the request: the
    /// model's kind must fit the formats (audio and MIDI need a notes model), the
    /// prime must be in its vocabulary, and `stop` is for text models only.
    ///
    /// These checks wait for the model because a job file alone cannot answer them;
    /// errors name the job file's fields, like `JobFile.parse`'s. `checkingHost: false`
    /// leaves out what only the daemon's host can answer (its sound font, its engraving
    /// tools): a client on another host checks a job without them.
    public func prepared(for model: RecurModel, limits: JobLimits, checkingHost: Bool = true) throws(JobError)
        -> PreparedRequest
    {
        if model.vocabulary.kind == .text, let rendered = formats.first(where: { $0.audioFormat != nil }) {
            let field = formats.count == 1 ? "format" : "format[\(formats.firstIndex(of: rendered) ?? 0)]"
            throw JobError(
                error: "\"\(rendered.rawValue)\" needs a notes model, but '\(model.name)' is a text model.",
                field: field, value: "\"\(rendered.rawValue)\"",
                hint: "Use \"format\": \"text\" with this model, or name a notes model for \(OutputFormat.names).")
        }
        var request = self.request
        if model.vocabulary.kind == .text, !tune.isEmpty {
            let field = tune.meter != nil ? "meter" : tune.mode != nil ? "mode" : tune.key != nil ? "key" : "harmonize"
            throw JobError(
                error: "\"\(field)\" is for notes models, but '\(model.name)' is a text model.", field: field,
                value: JSONValue.quoted(tune.meter ?? tune.mode ?? tune.key ?? "…"),
                hint: "Leave \"\(field)\" out, or name a notes model such as folk.")
        }
        if model.vocabulary.kind == .notes {
            do {
                let encoding = try model.notesJSON.map { try NoteEncoding(json: $0) } ?? .standard
                try tune.apply(to: &request, encoding: encoding, vocabulary: model.vocabulary.tokens, model: model.name)
                try checkRender(voices: encoding.voices, checkingHost: checkingHost)
            } catch let error as JobError {
                throw error
            } catch let error as TuneOptionError {
                throw JobDecoder.tuneError(error)
            } catch {
                throw JobError(
                    error: "The model '\(model.name)' has a note encoding this version cannot read: \(error).",
                    hint: "Retrain or replace the model file.")
            }
        }
        do {
            return try request.prepared(for: model, limits: limits.sampling)
        } catch {
            throw error.jobError(model: model)
        }
    }

    /// The render settings a job file alone cannot check: instruments for voices the
    /// model's tunes have, and (for audio) the synthesizer and sound font on this host,
    /// loaded now so that a job never samples for a render that cannot be played.
    private func checkRender(voices: Int, checkingHost: Bool) throws(JobError) {
        let field = JobField(path: "render.instrument", value: .string(render.instruments.description))
        do {
            try render.instruments.check(voiceCount: voices)
        } catch {
            throw field.error(
                "\"render.instrument\": \(error.description).",
                hint:
                    "Name only the voices the model writes (soprano, alto, tenor, bass for a chorale model), or give one instrument for all."
            )
        }
        guard checkingHost else { return }
        for format in formats.compactMap(\.audioFormat) where format == .score || format == .pdf {
            do {
                try ScoreEngraver.checkTools(for: format)
            } catch {
                let index = formats.firstIndex(of: .rendered(format)) ?? 0
                throw JobField(path: formats.count == 1 ? "format" : "format[\(index)]", value: .string(format.rawValue))
                    .error(
                        "\"\(format.rawValue)\" cannot be made on this host: \(error.description).",
                        hint: "Install the tool on the daemon's host, or ask for \"abc\", \"musicxml\" or \"svg\" instead.")
            }
        }
        guard formats.contains(where: { $0.audioFormat?.isAudio == true }) else { return }
        do {
            _ = try AudioRenderer.synth(for: render)
        } catch {
            // The job's own sound font is at fault, or else the host's synthesizer.
            let fromSetting = render.soundFont != nil && error.source == nil && error.problem != .noneFound
            let name = fromSetting ? "soundfont" : "synth"
            let value = error.problem == .noneFound ? render.synth.rawValue : error.path
            throw JobField(path: "render." + name, value: .string(value)).error(
                "\"render.\(name)\": \(error.description).",
                hint:
                    "Leave \"synth\" out (or \"auto\") to fall back to the built-in synthesizer, or name a sound font the daemon can read."
            )
        }
    }

    static func hint(for field: String, model: RecurModel?) -> String {
        switch field {
        case "prime" where model?.vocabulary.kind == .text:
            "Use only characters the model was trained on (see `recur info \(model?.name ?? "MODEL")`), or leave \"prime\" out."
        case "prime":
            "Write note tokens separated by spaces, such as \"n60 - - n62\", or leave \"prime\" out."
        case "beam":
            "A beam search takes only model, length, prime, seed and the tune's fields; drop the sampling fields, or drop \"beam\" to sample (\"best_of\" keeps the likeliest of several samples)."
        case "best_of":
            "Give \"best_of\" with a temperature above 0, or use \"beam\" for the single likeliest continuation."
        case "stop":
            "Leave \"stop\" out for a notes model; a tune ends at <eos> or at \"length\"."
        default:
            "Change \"\(field)\" and submit the job again."
        }
    }
}
