using System.Globalization;
using System.Text.RegularExpressions;
using RandSac.Studies;

namespace RandSac.Cli.Studies;

/// <summary>
/// <c>--time-limit</c>: how long one invocation of a study may take, as a batch job or a
/// machine that is kept for a while allows, counted from the start (the measurement of the
/// arms' steps included). A stage starts only when its estimated time
/// ends before the deadline; the others (and the later stages of their runs) are left for the
/// next invocation of the same command. A stage still running at the deadline is stopped as
/// SIGTERM stops it: a pre-training finishes its step and saves its checkpoint.
/// </summary>
public sealed class StudyTimeLimit(TimeSpan limit, DateTimeOffset start, Func<DateTimeOffset> now)
{
    /// <summary>The exit code of an invocation that left stages for the next one (sysexits' EX_TEMPFAIL: try again).</summary>
    public const int ExitCode = 75;

    public TimeSpan Limit => limit;

    public DateTimeOffset Deadline => start + limit;

    public TimeSpan Left => Deadline - now();

    /// <summary>Null when a stage of <paramref name="estimatedSeconds"/> may start now, else why it waits.</summary>
    public string? WhyNotNow(double estimatedSeconds)
    {
        double left = Left.TotalSeconds;
        return estimatedSeconds <= left
            ? null
            : $"about {ConsoleStudyObserver.Duration(estimatedSeconds)}, and {ConsoleStudyObserver.Duration(Math.Max(0, left))} " +
              "of the time limit is left: left for the next invocation";
    }

    /// <summary>
    /// A duration as batch schedulers write it: <c>2h30m</c>, <c>90m</c>, <c>45s</c>, <c>1h</c>,
    /// or SLURM's <c>H:MM:SS</c> and <c>H:MM</c> (hours and minutes).
    /// </summary>
    public static TimeSpan ParseDuration(string text, string option)
    {
        string trimmed = text.Trim();
        TimeSpan? duration = null;
        if (Units.Match(trimmed) is { Success: true } units && units.Groups.Cast<Group>().Skip(1).Any(g => g.Success))
            duration = new TimeSpan(Number(units.Groups[1]), Number(units.Groups[2]), Number(units.Groups[3]));
        else if (Clock.Match(trimmed) is { Success: true } clock)
            duration = new TimeSpan(Number(clock.Groups[1]), Number(clock.Groups[2]), Number(clock.Groups[3]));
        if (duration is not { } value || value <= TimeSpan.Zero)
            throw new UserInputException($"{option}: '{text}' is not a positive duration; expected e.g. 2h30m, 90m, 45s or 2:30:00");
        if (value > Longest)
            throw new UserInputException($"{option}: '{text}' is longer than the {Longest.TotalDays:F0} days a time limit can be");
        return value;
    }

    /// <summary>The longest time a CancellationTokenSource can wait (int.MaxValue milliseconds), in whole days.</summary>
    static readonly TimeSpan Longest = TimeSpan.FromDays(24);

    static int Number(Group group) => group.Success ? int.Parse(group.Value, CultureInfo.InvariantCulture) : 0;

    static readonly Regex Units = new(@"^(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,7})s)?$");
    static readonly Regex Clock = new(@"^(\d{1,5}):([0-5]\d)(?::([0-5]\d))?$");
}
