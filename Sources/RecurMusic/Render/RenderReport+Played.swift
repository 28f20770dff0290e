import Foundation

extension RenderReport {
    /// Who played the file, for a person: `fiddle, FluidSynth (FluidR3_GM.sf2)`, or
    /// `soprano flute, alto oboe, … (built-in synthesizer)`; the instruments alone for
    /// MIDI and the notation formats.
    public var playedBy: String {
        let names = Set(instruments.map(\.name))
        let who =
            names.count <= 1
            ? (instruments.first?.name ?? "")
            : instruments.enumerated().map {
                "\(VoiceNames.name(of: $0.offset, among: instruments.count).lowercased()) \($0.element.name)"
            }.joined(separator: ", ")
        guard let synth else { return who }
        switch synth.synth {
        case .fluidsynth:
            let font = synth.soundFont.map { ($0 as NSString).lastPathComponent } ?? ""
            return "\(who), FluidSynth (\(font))"
        default:
            return "\(who), built-in synthesizer"
        }
    }

    /// What result.json and `recur render --json` say of who played a file: `instruments`
    /// (each voice's name, instrument and General MIDI program, 1-based as musicians count
    /// them) and, for audio, `synth` and `soundfont` (null for the built-in synthesizer).
    public var playedJSON: [String: Any] {
        var json: [String: Any] = [
            "instruments": instruments.enumerated().map { voice, instrument -> [String: Any] in
                [
                    "voice": VoiceNames.name(of: voice, among: instruments.count), "instrument": instrument.name,
                    "program": instrument.program + 1, "program_name": instrument.programName,
                ]
            }
        ]
        if let synth {
            json["synth"] = synth.synth.rawValue
            json["soundfont"] = synth.soundFont ?? NSNull()
        }
        return json
    }
}
