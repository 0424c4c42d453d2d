/// The voice of an offline demo agent: what it cares about and how it phrases it.
/// `{topic}` is the question's gist, `{a}` and `{b}` its key words.
struct DemoPersona: Sendable {
    var name: String
    var stances: [String]
    var reasons: [String]
    var recommendations: [String]
    var concerns: [String]
    var suggestions: [String]
    /// How much this persona likes each other persona's answers (vote bias), by persona name.
    var affinity: [String: Double]

    static func named(_ name: String) -> DemoPersona {
        let key = name.lowercased()
        if let p = all.first(where: { $0.name == key }) { return p }
        // An unknown persona borrows a voice, chosen by its name, and keeps its own name.
        var rng = SeededRandom(seed: 0, key)
        var p = all[Int(rng.next() % UInt64(all.count))]
        p.name = key
        return p
    }

    static let all: [DemoPersona] = [
        DemoPersona(
            name: "skeptic",
            stances: [
                "I am not convinced that {topic} pays off yet; the case for {a} rests on assumptions nobody has tested.",
                "Before committing to {topic}, we should ask what breaks: {a} tends to look cheaper on paper than in production.",
                "The honest answer on {topic} is 'not yet': the evidence about {a} and {b} is thin.",
            ],
            reasons: [
                "Migration cost for {a} is usually underestimated by a factor of two or three.",
                "Teams rarely measure {b} before and after, so nobody can tell whether it helped.",
                "Reversing a decision about {a} later is expensive, which raises the bar for evidence now.",
                "Hidden coupling around {b} turns a small change into a large outage.",
            ],
            recommendations: [
                "Run a time-boxed pilot on one team, define the metrics for {a} up front, and only proceed if they improve.",
                "Write down the exit criteria for {topic} first, then decide with data from a limited trial.",
                "Keep the current setup, fix the two worst pain points around {b}, and revisit in a quarter.",
            ],
            concerns: [
                "it assumes {a} is cheap without pricing the migration",
                "no metric says when {topic} has failed",
                "the rollback path for {b} is missing",
                "it treats an anecdote about {a} as evidence",
            ],
            suggestions: [
                "add a measurable success criterion for {a}",
                "estimate the migration effort for {b} explicitly",
                "describe how to roll back if {topic} goes wrong",
            ],
            affinity: ["pragmatist": 0.62, "visionary": 0.35, "analyst": 0.6, "contrarian": 0.5, "optimist": 0.3]),
        DemoPersona(
            name: "pragmatist",
            stances: [
                "Yes to {topic}, but incrementally: start where {a} removes the most friction today.",
                "{topic} is worth doing if we stage it: {a} first, {b} once the first step has proven itself.",
                "A qualified yes on {topic}: the value is real, and the risk is manageable with small steps.",
            ],
            reasons: [
                "Most of the benefit of {a} comes from the first twenty percent of the work.",
                "Staging the rollout keeps {b} working while the team learns.",
                "Tooling for {a} is mature enough that we do not need to build it ourselves.",
                "A small first step gives the numbers the skeptics are asking for.",
            ],
            recommendations: [
                "Adopt it for new work on {a} now, move existing pieces when they are touched, and review after six weeks.",
                "Pick one owner, one milestone and one metric for {b}, and ship the first slice within a month.",
                "Pilot {topic} with the team that feels the pain most, then standardise what worked.",
            ],
            concerns: [
                "it does not say what the first concrete step on {a} is",
                "the plan for {b} has no owner or deadline",
                "it is all-or-nothing where {topic} could be staged",
                "it ignores the day-to-day cost for the people doing {a}",
            ],
            suggestions: [
                "name the first milestone for {a}",
                "split {topic} into stages that each pay for themselves",
                "assign an owner for {b}",
            ],
            affinity: ["skeptic": 0.55, "visionary": 0.5, "analyst": 0.6, "contrarian": 0.4, "optimist": 0.5]),
        DemoPersona(
            name: "visionary",
            stances: [
                "{topic} is the right direction: in two years, {a} will be the default and we will wish we had started sooner.",
                "Think beyond the next quarter: {topic} changes what the team can do with {a} and {b}.",
                "We should embrace {topic} decisively; half-measures on {a} give us the cost without the upside.",
            ],
            reasons: [
                "Compounding effects of {a} are invisible in a short pilot but dominate over years.",
                "Early movers on {b} shape the practices that everyone else later copies.",
                "A clear commitment to {topic} attracts people who want to work this way.",
                "Consistency across {a} unlocks automation that piecemeal adoption never reaches.",
            ],
            recommendations: [
                "Commit to {topic} with a clear target state for {a}, fund the platform work, and migrate in three waves.",
                "Set a bold goal for {b}, invest in shared tooling, and treat the transition as a product.",
                "Announce the direction on {topic} now, and let teams plan their move to {a} within the year.",
            ],
            concerns: [
                "it optimises for this quarter and ignores where {a} is heading",
                "staging {topic} so slowly means paying twice",
                "it underrates what consistent {b} would unlock",
                "it lets fear of change about {a} set the agenda",
            ],
            suggestions: [
                "describe the target state for {a} in two years",
                "budget for the shared tooling {topic} needs",
                "commit to a direction on {b} even if the pace is gradual",
            ],
            affinity: ["skeptic": 0.3, "pragmatist": 0.55, "analyst": 0.45, "contrarian": 0.35, "optimist": 0.7]),
        DemoPersona(
            name: "analyst",
            stances: [
                "The data on {topic} is mixed: {a} helps when the team is large, and hurts when it is small.",
                "Whether {topic} is right depends on three numbers: the cost of {a}, the frequency of {b}, and team size.",
                "Framed as a trade-off, {topic} wins on coordination and loses on flexibility around {a}.",
            ],
            reasons: [
                "Case studies on {a} show gains mainly above a certain scale.",
                "The cost of {b} grows with the number of teams, so the break-even point matters.",
                "Measured lead time, not opinion, should settle {topic}.",
                "Benefits of {a} and costs of {b} land on different teams, which skews the debate.",
            ],
            recommendations: [
                "Measure the current cost of {b} for two weeks, model the break-even for {a}, and decide on the numbers.",
                "Adopt {topic} where the model says the gain exceeds the cost, and nowhere else yet.",
                "Compare two teams, one using {a} and one not, for a month before a company-wide decision.",
            ],
            concerns: [
                "it states a conclusion about {a} without numbers",
                "the costs and benefits of {topic} are not compared on one scale",
                "it generalises from one team's experience with {b}",
                "no baseline measurement of {a} is proposed",
            ],
            suggestions: [
                "quantify the expected gain from {a}",
                "propose a baseline measurement for {b}",
                "state the team size at which {topic} pays off",
            ],
            affinity: ["skeptic": 0.55, "pragmatist": 0.6, "visionary": 0.35, "contrarian": 0.45, "optimist": 0.35]),
        DemoPersona(
            name: "contrarian",
            stances: [
                "Everyone assumes {topic} is the question; I think the real problem is {b}, and {a} will not fix it.",
                "The opposite of the popular view on {topic} deserves a hearing: doing less with {a} may be better.",
                "I would argue against {topic}: it treats a people problem around {b} as a tooling problem.",
            ],
            reasons: [
                "Changing {a} moves the pain around rather than removing it.",
                "The loudest complaints about {b} come from a process, not from the structure.",
                "Successful teams exist on both sides of {topic}, so it cannot be the deciding factor.",
                "Effort spent on {a} is effort not spent on the product.",
            ],
            recommendations: [
                "Leave {a} alone, fix the process around {b}, and measure whether the complaints stop.",
                "Spend a week interviewing the teams about {b} before touching {a}.",
                "Reject {topic} for now and address the root cause the debate is circling.",
            ],
            concerns: [
                "it never questions whether {topic} is the right problem",
                "it assumes changing {a} will change behaviour",
                "consensus on {b} is taken as proof",
                "it confuses a symptom in {a} with the cause",
            ],
            suggestions: [
                "test the assumption that {a} is the bottleneck",
                "consider doing nothing about {topic} as a real option",
                "look at the process around {b} first",
            ],
            affinity: ["skeptic": 0.6, "pragmatist": 0.4, "visionary": 0.3, "analyst": 0.55, "optimist": 0.25]),
        DemoPersona(
            name: "optimist",
            stances: [
                "{topic} is a good idea and the team is ready for it: {a} has worked well wherever it was tried seriously.",
                "I am positive about {topic}; the risks around {b} are real but well understood.",
                "Let us do {topic}: {a} gives people a shared foundation and they will make it work.",
            ],
            reasons: [
                "People adopt {a} quickly once they see a working example.",
                "Community knowledge about {b} is plentiful, so we are not pioneers.",
                "Morale improves when a long-debated question like {topic} is finally settled.",
                "Small wins with {a} build momentum for the harder parts.",
            ],
            recommendations: [
                "Start {topic} this month with a kickoff, a shared guide for {a}, and weekly demos of progress.",
                "Go ahead with {a}, celebrate early wins, and keep a list of issues with {b} to fix along the way.",
                "Adopt {topic} team by team, pairing experienced people with newcomers.",
            ],
            concerns: [
                "it is too pessimistic about the team's ability to learn {a}",
                "it overweights rare failures of {b}",
                "it delays {topic} without a reason to expect better conditions later",
                "it misses the motivational upside of {a}",
            ],
            suggestions: [
                "start with a visible quick win on {a}",
                "plan how to share what is learned about {b}",
                "set a start date for {topic}",
            ],
            affinity: ["skeptic": 0.3, "pragmatist": 0.55, "visionary": 0.65, "analyst": 0.4, "contrarian": 0.25]),
    ]
}
