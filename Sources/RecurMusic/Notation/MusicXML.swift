/// MusicXML 4.0 of a tune: the score exchange format that every notation program opens —
/// MuseScore, Finale, Sibelius, Dorico, music21 — so a sampled tune or chorale can be read,
/// edited and printed as a score.
///
/// The document is an uncompressed `score-partwise` with one part per voice (Soprano, Alto,
/// Tenor, Bass for four; Melody for one; Voice 1 … otherwise). One division is one 16th
/// step (`<divisions>4</divisions>`). Measures follow the tune's bars (`Tune.bars`): a short
/// first bar is a pickup, numbered 0 and marked `implicit="yes"`. The first measure of every
/// part holds the key (fifths and mode), the time signature (4/4 for a tune without a
/// meter) and the part's clef; the first part's also holds the tempo, as a metronome mark
/// and as `<sound tempo>` for playback.
///
/// Notes and rests are written as ABC writes them (`Melody.written(in:)`): split at bar
/// lines and wherever a length is not one written value, the pieces tied (`<tie>` for
/// playback, `<tied>` for the drawing). Pitches are spelled in the key, and an
/// `<accidental>` is shown where ABC would write one (a tied-over piece shows none).
/// Eighths and shorter are beamed by beat; a voice silent for a whole bar has a bar rest.
public enum MusicXML {
    /// The MusicXML version written.
    public static let version = "4.0"

    /// The MusicXML document of one tune.
    /// - Parameters:
    ///   - title: the work's title.
    ///   - tempo: quarter notes per minute.
    public static func document(for tune: Tune, title: String, tempo: Double) -> String {
        var xml = XMLWriter(prolog: [
            #"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#,
            #"<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "#
                + #""http://www.musicxml.org/dtds/partwise.dtd">"#,
        ])
        xml.open("score-partwise", ["version": version])
        xml.open("work")
        xml.element("work-title", title.replacingOccurrences(of: "\n", with: " "))
        xml.close()
        xml.open("identification")
        xml.open("encoding")
        xml.element("software", "Recur")
        xml.close()
        xml.close()
        writePartList(of: tune, into: &xml)
        let clefs = Clef.clefs(for: tune)
        // An empty tune still needs one measure per part to be a valid score.
        let bars = tune.bars.isEmpty ? [0..<0] : tune.bars
        for (index, voice) in tune.voices.enumerated() {
            xml.open("part", ["id": partID(index)])
            let part = MusicXMLPart(
                voice: voice, bars: bars, meter: tune.effectiveMeter, key: tune.key, clef: clefs[index],
                tempo: index == 0 ? tempo : nil)
            part.write(into: &xml)
            xml.close()
        }
        return xml.document
    }

    /// `P1`, `P2` …: the id that ties a part to its entry in the part list.
    static func partID(_ index: Int) -> String { "P\(index + 1)" }

    /// The part list: a name for each voice, several voices bracketed together.
    static func writePartList(of tune: Tune, into xml: inout XMLWriter) {
        let count = tune.voices.count
        xml.open("part-list")
        if count > 1 {
            xml.open("part-group", ["type": "start", "number": "1"])
            xml.element("group-symbol", "bracket")
            xml.close()
        }
        for index in 0..<count {
            xml.open("score-part", ["id": partID(index)])
            xml.element("part-name", VoiceNames.name(of: index, among: count))
            xml.close()
        }
        if count > 1 { xml.empty("part-group", ["type": "stop", "number": "1"]) }
        xml.close()
    }
}
