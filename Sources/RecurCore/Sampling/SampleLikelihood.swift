extension Sample {
    /// `log_likelihood` and `mean_log_likelihood` as result.json and `generate --json`
    /// write them, and `log_likelihood_per_step` when the sample is a tune of `steps`
    /// sixteenth-note steps (the same tune compares across encodings that spend a
    /// different number of tokens on a step).
    public func likelihoodFields(steps: Int? = nil) -> [String: Any] {
        var fields: [String: Any] = ["log_likelihood": logLikelihood, "mean_log_likelihood": meanLogLikelihood]
        if let steps, steps > 0 { fields["log_likelihood_per_step"] = logLikelihood / Double(steps) }
        return fields
    }
}
