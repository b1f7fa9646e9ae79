using System.Globalization;
using System.Text.RegularExpressions;
using RandSac.Studies;

namespace RandSac.Cli.Studies;

/// <summary>
/// <c>--time-limit</c>: how long one invocation of a study may take, as a batch job or a
/// machine that is kept for a while allows, counted from the start (the measurement of the
/// arms' steps included). A stage starts only when its estimated time ends before the deadline;
/// the others (and the later stages of their runs) are left for the next invocation of the same
/// command. A pre-training longer than the whole limit starts anyway, since it continues from its
/// checkpoint, unless <see cref="WholeStages"/> says the study folder will not outlive the limit.
/// A stage still running at the deadline is stopped as SIGTERM stops it: a pre-training finishes
/// its step and saves its checkpoint.
/// </summary>
public sealed class StudyTimeLimit(TimeSpan limit, DateTimeOffset start, Func<DateTimeOffset> now)
{
    /// <summary>
    /// <c>--whole-stages</c>: the study folder does not outlive the limit (node-local scratch, a machine
    /// kept for a few hours), so a pre-training's checkpoint is worth nothing next time and a
    /// pre-training starts, like any stage, only when its estimate fits in what is left.
    /// </summary>
    public bool WholeStages { get; init; }

    /// <summary>The exit code of an invocation that left stages for the next one (sysexits' EX_TEMPFAIL: try again).</summary>
    public const int ExitCode = 75;

    public TimeSpan Limit => limit;

    public DateTimeOffset Deadline => start + limit;

    public TimeSpan Left => Deadline - now();

    /// <summary>Whether the limit held a stage back or stopped one, so that the next invocation has work left by it.</summary>
    public bool HeldBack { get; private set; }

    /// <summary>Stages held back that no invocation under this limit could run (longer than it, with nothing to continue from).</summary>
    public int NeverFits { get; private set; }

    /// <summary>The closing line of an invocation that held back stages no invocation under this limit could run.</summary>
    public string NeverFitsSummary =>
        $"{NeverFits} stage(s) take longer than the whole --time-limit of {ConsoleStudyObserver.Duration(limit.TotalSeconds)} and " +
        (WholeStages ? "--whole-stages starts none it cannot finish" : "cannot be continued from a checkpoint") + " (listed above): raise --time-limit";

    /// <summary>
    /// Null when a stage of <paramref name="estimatedSeconds"/> may start now, else why it waits.
    /// A stage that <paramref name="continues"/> from a checkpoint starts too when it is longer than the whole limit.
    /// </summary>
    public string? WhyNotNow(double estimatedSeconds, bool continues)
    {
        double left = Left.TotalSeconds;
        bool longerThanLimit = estimatedSeconds > limit.TotalSeconds;
        bool carriesOver = continues && !WholeStages;
        if (estimatedSeconds <= left || (carriesOver && longerThanLimit && left > 0)) return null;
        if (longerThanLimit && !carriesOver)
        {
            NeverFits++;
            return $"about {ConsoleStudyObserver.Duration(estimatedSeconds)}, longer than the whole time limit, and " +
                   (continues ? "--whole-stages starts no stage it cannot finish" : "it cannot continue from a checkpoint");
        }
        HeldBack = true;
        return $"about {ConsoleStudyObserver.Duration(estimatedSeconds)}, and {ConsoleStudyObserver.Duration(Math.Max(0, left))} " +
               "of the time limit is left: left for the next invocation";
    }

    /// <summary>The deadline stopped the stage that was running.</summary>
    public void Reached() => HeldBack = true;

    /// <summary>
    /// A duration as batch schedulers write it: <c>2h30m</c>, <c>90m</c>, <c>45s</c>, <c>1d12h</c>,
    /// or SLURM's <c>--time</c> forms: <c>MM</c>, <c>MM:SS</c>, <c>HH:MM:SS</c>, <c>D-HH</c>,
    /// <c>D-HH:MM</c> and <c>D-HH:MM:SS</c> (so a bare number is minutes, as in SLURM).
    /// </summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        string trimmed = text.Trim();
        TimeSpan? duration = null;
        if (Units.Match(trimmed) is { Success: true } units && units.Groups.Cast<Group>().Skip(1).Any(g => g.Success))
            duration = Of(units.Groups["d"], units.Groups["h"], units.Groups["m"], units.Groups["s"]);
        else if (Slurm.Match(trimmed) is { Success: true } slurm)
            duration = slurm.Groups["d"].Success
                ? Of(slurm.Groups["d"], slurm.Groups["dh"], slurm.Groups["dm"], slurm.Groups["ds"])
                : slurm.Groups["h"].Success
                    ? Of(null, slurm.Groups["h"], slurm.Groups["hm"], slurm.Groups["hs"])
                    : Of(null, null, slurm.Groups["m"], slurm.Groups["ms"]);
        if (duration is not { } value || value <= TimeSpan.Zero)
            throw new UserInputException($"{option}: '{text}' is not a positive duration; expected e.g. 2h30m, 90m, 45s, or SLURM's 2:30:00 or 1-12:00");
        if (value > Longest)
            throw new UserInputException($"{option}: '{text}' is longer than the {Longest.TotalDays:F0} days a time limit can be");
        return value;
    }

    /// <summary>The longest time a CancellationTokenSource can wait (int.MaxValue milliseconds), in whole days.</summary>
    static readonly TimeSpan Longest = TimeSpan.FromDays(24);

    static TimeSpan Of(Group? days, Group? hours, Group? minutes, Group? seconds) =>
        TimeSpan.FromDays(Number(days)) + TimeSpan.FromHours(Number(hours)) + TimeSpan.FromMinutes(Number(minutes)) + TimeSpan.FromSeconds(Number(seconds));

    static long Number(Group? group) => group is { Success: true } ? long.Parse(group.Value, CultureInfo.InvariantCulture) : 0;

    static readonly Regex Units = new(@"^(?:(?<d>\d{1,4})d)?(?:(?<h>\d{1,5})h)?(?:(?<m>\d{1,7})m)?(?:(?<s>\d{1,9})s)?$");

    static readonly Regex Slurm = new(
        @"^(?:(?<d>\d{1,4})-(?<dh>\d{1,2})(?::(?<dm>[0-5]?\d)(?::(?<ds>[0-5]?\d))?)?" +
        @"|(?<h>\d{1,5}):(?<hm>[0-5]?\d):(?<hs>[0-5]?\d)" +
        @"|(?<m>\d{1,7})(?::(?<ms>[0-5]?\d))?)$");
}
