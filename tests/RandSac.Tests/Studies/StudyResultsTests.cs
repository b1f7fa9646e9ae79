using RandSac.Studies;
using RandSac.Training;

namespace RandSac.Tests.Studies;

/// <summary>The study's records as they are kept between invocations.</summary>
public class StudyResultsTests
{
    [Fact]
    public void AContinuedStudyNamesTheStudyFileOfItsLatestInvocationAndKeepsItsRecords()
    {
        using var folder = new TempDirectory();
        var first = StudyResults.LoadOrCreate(folder.Path, "tiny", "/old/build/tiny.json");
        first.Records.Add(new StudyRecord { Arm = "square", Seed = 0, Kind = ArmKind.Pretrain, Folder = "f", Config = new PretrainConfig() });
        first.Save(folder.Path);

        // A study moved to a newer build is continued with that build's copy of the study file.
        var continued = StudyResults.LoadOrCreate(folder.Path, "tiny", "/new/build/tiny.json");

        Assert.Equal("/new/build/tiny.json", continued.StudyFile);
        Assert.Equal("square", Assert.Single(continued.Records).Arm);
    }

    [Fact]
    public void RecordsOfAnotherStudyAreRefused()
    {
        using var folder = new TempDirectory();
        StudyResults.LoadOrCreate(folder.Path, "tiny", "tiny.json").Save(folder.Path);

        var error = Assert.Throws<InvalidDataException>(() => StudyResults.LoadOrCreate(folder.Path, "other", "other.json"));
        Assert.Contains("holds study 'tiny', not 'other': choose another --out", error.Message);
    }
}
