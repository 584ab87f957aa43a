using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Vehicle.Bus.Car;
using Vehicle.Bus.Cloud;
using Vehicle.Bus.Loopback;
using Vehicle.Bus.Mqtt;
using Vehicle.Tests.Shared;

namespace Vehicle.Bus.Tests;

public sealed class OutboxTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("outbox-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 8, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void Pending_queries_survive_reopening_and_come_back_in_order()
    {
        var path = Path.Combine(_directory, "o.db");
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        using (var outbox = new QueryOutbox(path, _time))
        {
            foreach (var id in ids)
            {
                outbox.Add(new BusQuery(id, $"q {id}", Now.AddMinutes(1), "driver"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            }
        }

        using var reopened = new QueryOutbox(path, _time);
        var due = reopened.Due(TimeSpan.FromSeconds(30), 100);
        Assert.Equal(ids, due.Select(e => e.Query.Id));
        Assert.Equal("driver", due[0].Query.Speaker);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", due[0].TraceParent);
    }

    [Fact]
    public void A_full_outbox_evicts_the_oldest_query()
    {
        using var outbox = new QueryOutbox(Path.Combine(_directory, "o.db"), _time, capacity: 3);
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        var evicted = ids.SelectMany(id => outbox.Add(new BusQuery(id, "q", Now.AddMinutes(1)))).Select(q => q.Id).ToList();
        Assert.Equal(ids.Take(2), evicted);
        Assert.Equal(ids.Skip(2), outbox.Due(TimeSpan.FromSeconds(30), 100).Select(e => e.Query.Id));
    }

    [Fact]
    public void Sent_queries_are_not_due_until_the_retry_interval_or_a_reconnect_without_session()
    {
        using var outbox = new QueryOutbox(Path.Combine(_directory, "o.db"), _time);
        var acked = new BusQuery(Guid.NewGuid(), "acked", Now.AddMinutes(5));
        var unacked = new BusQuery(Guid.NewGuid(), "unacked", Now.AddMinutes(5));
        outbox.Add(acked);
        outbox.Add(unacked);
        outbox.MarkSent(acked.Id);
        outbox.MarkSent(unacked.Id);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(outbox.Due(TimeSpan.FromSeconds(30), 10));

        outbox.ResetSent([unacked.Id]);
        Assert.Equal([unacked.Id], outbox.Due(TimeSpan.FromSeconds(30), 10).Select(e => e.Query.Id));

        outbox.MarkSent(unacked.Id);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Single(outbox.Due(TimeSpan.FromSeconds(30), 10)); // acked: sent 30 s ago; unacked: 29 s
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, outbox.Due(TimeSpan.FromSeconds(30), 10).Count);

        outbox.MarkSent(acked.Id);
        outbox.MarkSent(unacked.Id);
        outbox.ResetSent(null);
        Assert.Equal(2, outbox.Due(TimeSpan.FromSeconds(30), 10).Count);

        var direct = new BusQuery(Guid.NewGuid(), "published at once", Now.AddMinutes(5));
        outbox.Add(direct, sent: true);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(direct.Id, outbox.Due(TimeSpan.FromSeconds(30), 10).Select(e => e.Query.Id));
    }

    [Fact]
    public void Expired_queries_are_removed_and_returned_and_removed_ones_are_gone()
    {
        using var outbox = new QueryOutbox(Path.Combine(_directory, "o.db"), _time);
        var soon = new BusQuery(Guid.NewGuid(), "soon", Now.AddSeconds(10));
        var later = new BusQuery(Guid.NewGuid(), "later", Now.AddSeconds(60));
        outbox.Add(soon);
        outbox.Add(later);
        Assert.Equal(TimeSpan.FromSeconds(10), outbox.Remaining(soon.Id));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([soon.Id], outbox.RemoveExpired().Select(e => e.Query.Id));
        _time.Advance(TimeSpan.FromSeconds(51));
        Assert.Empty(outbox.Due(TimeSpan.FromSeconds(1), 10));
        Assert.True(outbox.Remove(later.Id));
        Assert.False(outbox.Remove(later.Id));
        Assert.Equal(0, outbox.Count);
        Assert.Null(outbox.Find(later.Id));
        Assert.Null(outbox.Remaining(later.Id));
    }

    // The RTC corrected from GNSS or NTP by an hour either way: neither expires the backlog at once
    // nor stalls its retries (both measured on the monotonic clock; on GetUtcNow both failed).
    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public void A_wall_clock_jump_neither_expires_the_backlog_nor_stalls_retries(int hours)
    {
        var clock = new JumpingClock(_time);
        using var outbox = new QueryOutbox(Path.Combine(_directory, "o.db"), clock);
        var query = new BusQuery(Guid.NewGuid(), "will it rain", clock.GetUtcNow().AddMinutes(5));
        outbox.Add(query, sent: true);

        clock.Jump(TimeSpan.FromHours(hours));
        Assert.Empty(outbox.RemoveExpired());
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal([query.Id], outbox.Due(TimeSpan.FromSeconds(30), 10).Select(e => e.Query.Id));
        Assert.Equal(TimeSpan.FromSeconds(269), outbox.Remaining(query.Id));

        _time.Advance(TimeSpan.FromSeconds(269));
        Assert.Equal([query.Id], outbox.RemoveExpired().Select(e => e.Query.Id));
    }

    [Fact]
    public void A_reopened_outbox_never_gives_a_query_longer_than_its_time_to_live()
    {
        var path = Path.Combine(_directory, "o.db");
        var query = new BusQuery(Guid.NewGuid(), "will it rain", Now.AddMinutes(5));
        using (var outbox = new QueryOutbox(path, _time))
        {
            outbox.Add(query);
        }

        // Restarted after the wall clock went back an hour: 5 minutes left, not 65.
        var clock = new JumpingClock(_time);
        clock.Jump(TimeSpan.FromHours(-1));
        using var reopened = new QueryOutbox(path, clock);
        Assert.Equal(TimeSpan.FromMinutes(5), reopened.Remaining(query.Id));
    }

    [Fact]
    public void A_reply_is_recorded_as_its_query_leaves_and_after_a_crash_comes_back_once_without_its_command()
    {
        var path = Path.Combine(_directory, "o.db");
        var query = new BusQuery(Guid.NewGuid(), "open the trunk when we arrive", Now.AddMinutes(5), "driver", Private: "{}");
        var reply = new BusReply(query.Id, query.Text, "driver", "Opening the trunk.", "open the trunk", null, "{}");
        using (var outbox = new QueryOutbox(path, _time))
        {
            outbox.Add(query);
            Assert.True(outbox.Answer(reply));
            Assert.False(outbox.Answer(reply)); // a second copy finds nothing pending
            Assert.Equal(0, outbox.Count);
            outbox.TakeCommand(query.Id);
            // The process dies here, while acting on the command.
        }

        using (var reopened = new QueryOutbox(path, _time))
        {
            Assert.Null(reopened.Find(query.Id)); // not asked again
            var again = Assert.Single(reopened.TakeUndelivered());
            Assert.Equal(reply with { Command = null }, again);
            Assert.Empty(reopened.TakeUndelivered());
            reopened.Delivered(query.Id);
        }

        using var third = new QueryOutbox(path, _time);
        Assert.Empty(third.TakeUndelivered());
    }

    [Fact]
    public void A_capped_outbox_refuses_what_does_not_fit_and_keeps_every_query_it_took()
    {
        var path = Path.Combine(_directory, "o.db");
        var taken = new List<Guid>();
        using (var outbox = new QueryOutbox(path, _time, maxBytes: 64 * 1024))
        {
            for (var i = 0; i < 200; i++)
            {
                var query = new BusQuery(Guid.NewGuid(), $"question {i} " + new string('x', 2000), Now.AddMinutes(5));
                try
                {
                    outbox.Add(query);
                    taken.Add(query.Id);
                }
                catch (Microsoft.Data.Sqlite.SqliteException error)
                {
                    Assert.Equal(13, error.SqliteErrorCode); // SQLITE_FULL
                    Assert.Equal(taken.Count, outbox.Count);
                }
            }

            Assert.InRange(taken.Count, 5, 40);
        }

        using var reopened = new QueryOutbox(path, _time);
        Assert.Equal(taken, reopened.Due(TimeSpan.FromSeconds(30), 1000).Select(e => e.Query.Id));
    }

    /// <summary>A wall clock that can be set (an RTC correction) while the monotonic clock runs on.</summary>
    private sealed class JumpingClock(FakeTimeProvider inner) : TimeProvider
    {
        private TimeSpan _offset;

        public void Jump(TimeSpan by) => _offset += by;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + _offset;

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;
    }
}

/// <summary>The broker certificate check behind CA pinning: intermediates, the server usage, another root.</summary>
public sealed class CaPinningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pki-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_certificate_under_an_intermediate_the_broker_presents_chains_to_the_pinned_root()
    {
        var pki = new TestPki(_directory, "chain", intermediate: true);
        using var leaf = X509Certificate2.CreateFromPemFile(pki.ServerCertFile, pki.ServerKeyFile);
        using var presented = new X509Chain();
        presented.ChainPolicy.ExtraStore.Add(pki.Intermediate!);

        Assert.True(MqttConnection.Validate(leaf, presented, SslPolicyErrors.RemoteCertificateChainErrors, "localhost", [pki.Root]));
        // Without what the broker presented there is no path to the root.
        Assert.False(MqttConnection.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors, "localhost", [pki.Root]));
        // The intermediate may also come with the pinned root in the CA file.
        Assert.True(MqttConnection.Validate(leaf, null, SslPolicyErrors.RemoteCertificateChainErrors, "localhost", [pki.Root, pki.Intermediate!]));
    }

    [Fact]
    public void A_certificate_not_meant_for_a_server_is_refused_even_under_the_pinned_root()
    {
        var pki = new TestPki(_directory, "usage");
        var (cert, key) = pki.Issue("client-only", "localhost", server: true, usage: "1.3.6.1.5.5.7.3.2");
        using var clientOnly = X509Certificate2.CreateFromPemFile(cert, key);
        using var server = X509Certificate2.CreateFromPemFile(pki.ServerCertFile, pki.ServerKeyFile);

        Assert.False(MqttConnection.Validate(clientOnly, null, SslPolicyErrors.RemoteCertificateChainErrors, "localhost", [pki.Root]));
        Assert.True(MqttConnection.Validate(server, null, SslPolicyErrors.RemoteCertificateChainErrors, "localhost", [pki.Root]));
    }

    [Fact]
    public void A_certificate_from_another_root_or_for_another_host_is_refused()
    {
        var pki = new TestPki(_directory, "good");
        var rogue = new TestPki(_directory, "rogue");
        using var server = X509Certificate2.CreateFromPemFile(pki.ServerCertFile, pki.ServerKeyFile);

        Assert.False(MqttConnection.Validate(server, null, SslPolicyErrors.RemoteCertificateChainErrors, "localhost", [rogue.Root]));
        Assert.False(MqttConnection.Validate(server, null, SslPolicyErrors.RemoteCertificateNameMismatch, "broker.example", [pki.Root]));
    }
}

public sealed class TopicAndBackoffTests
{
    [Fact]
    public void A_car_may_use_only_topics_under_its_own_prefix()
    {
        var topics = new VehicleTopics("car-a");
        Assert.Equal("vehicles/car-a/copilot/query", topics.Query);
        Assert.Equal("vehicles/car-a/copilot/reply", topics.Reply);
        topics.EnsureOwn(topics.Query);
        Assert.Throws<UnauthorizedAccessException>(() => topics.EnsureOwn("vehicles/car-b/copilot/query"));
        Assert.Throws<UnauthorizedAccessException>(() => topics.EnsureOwn("vehicles/car-a/#"));
        Assert.Throws<UnauthorizedAccessException>(() => topics.EnsureOwn("vehicles/car-ab/copilot/query"));
        Assert.Throws<ArgumentException>(() => new VehicleTopics("car/b"));
        Assert.Throws<ArgumentException>(() => new VehicleTopics("+"));
        Assert.Equal("vehicles/car-a/", VehicleTopics.PrefixOfQueryTopic("vehicles/car-a/copilot/query"));
        Assert.Null(VehicleTopics.PrefixOfQueryTopic("car-a/copilot/query"));
    }

    [Fact]
    public void Reconnect_backoff_doubles_is_capped_and_jittered_by_a_quarter()
    {
        var min = TimeSpan.FromMilliseconds(250);
        var max = TimeSpan.FromSeconds(30);
        Assert.Equal(TimeSpan.FromMilliseconds(250), ConnectionKeeper.Backoff(1, min, max, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(500), ConnectionKeeper.Backoff(2, min, max, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(1000), ConnectionKeeper.Backoff(3, min, max, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(30), ConnectionKeeper.Backoff(40, min, max, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(22.5), ConnectionKeeper.Backoff(40, min, max, 0));
        Assert.Equal(TimeSpan.FromSeconds(37.5), ConnectionKeeper.Backoff(40, min, max, 1));
    }

    [Fact]
    public void A_broker_address_must_be_mqtt_or_mqtts()
    {
        Assert.Equal(1883, MqttConnection.ParseBroker("mqtt://127.0.0.1:1883").Port);
        Assert.Throws<ArgumentException>(() => MqttConnection.ParseBroker("http://example.com"));
        Assert.Throws<ArgumentException>(() => MqttConnection.ParseBroker("127.0.0.1:1883"));
        Assert.Throws<ArgumentException>(() => MqttConnection.CreateOptions(new BrokerOptions { CaFile = "ca.pem" }, new Uri("mqtt://127.0.0.1:1883"), "x"));
    }

    [Fact]
    public void Shared_subscription_filters_are_split_into_group_and_filter()
    {
        Assert.True(SharedSubscriptions.TryParse("$share/copilot/vehicles/+/copilot/query", out var group, out var filter));
        Assert.Equal("copilot", group);
        Assert.Equal("vehicles/+/copilot/query", filter);
        Assert.False(SharedSubscriptions.TryParse("vehicles/+/copilot/query", out _, out _));
        Assert.False(SharedSubscriptions.TryParse("$share/copilot", out _, out _));
    }
}

public sealed class BackendTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("backend-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_offline_backend_answers_from_its_knowledge_file_and_falls_back()
    {
        var backend = new OfflineBackend();
        Assert.Equal("The capital of Australia is Canberra.", (await backend.AnswerAsync("What's the CAPITAL of Australia?", null, CancellationToken.None)).Text);
        var suggestion = backend.Lookup("it's cold at my destination");
        Assert.Equal("set the temperature to 22 degrees", suggestion.Command);
        Assert.StartsWith("I can't look that up", backend.Lookup("what is the airspeed of an unladen swallow").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_offline_backend_remembers_a_bounded_number_of_questions_and_stays_deterministic()
    {
        var backend = new OfflineBackend(new OfflineBackendOptions { LatencyMedianMs = 100 });
        var twin = new OfflineBackend(new OfflineBackendOptions { LatencyMedianMs = 100 });
        for (var i = 0; i < OfflineBackend.RememberedQuestions * 2; i++)
        {
            backend.Draw($"distinct question {i}");
        }

        Assert.Equal(OfflineBackend.RememberedQuestions, backend.Remembered);
        // The recent ones still count their askings: the second asking draws what a twin's second asking draws.
        var last = $"distinct question {(OfflineBackend.RememberedQuestions * 2) - 1}";
        twin.Draw(last);
        Assert.Equal(twin.Draw(last), backend.Draw(last));
    }

    [Fact]
    public async Task The_offline_backend_thinks_on_the_injected_clock_and_fails_at_its_rate()
    {
        var time = new FakeTimeProvider();
        var slow = new OfflineBackend(new OfflineBackendOptions { LatencyMedianMs = 400 }, time);
        var answer = slow.AnswerAsync("capital of france", null, CancellationToken.None);
        Assert.False(answer.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(399));
        Assert.False(answer.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("The capital of France is Paris.", (await answer).Text);

        var failing = new OfflineBackend(new OfflineBackendOptions { FailureRate = 1 });
        await Assert.ThrowsAsync<CloudBackendException>(() => failing.AnswerAsync("capital of france", null, CancellationToken.None));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineBackend(new OfflineBackendOptions { FailureRate = 2 }));
    }

    [Fact]
    public void A_bad_knowledge_file_names_the_file_and_the_problem()
    {
        var path = Path.Combine(_directory, "bad.yaml");
        File.WriteAllText(path, "entries:\n  - match: [a]\n");
        var error = Assert.Throws<InvalidDataException>(() => new OfflineBackend(new OfflineBackendOptions { KnowledgeFile = path }));
        Assert.Contains("bad.yaml: entry 1", error.Message, StringComparison.Ordinal);
        File.WriteAllText(path, "entries: [ {match: ");
        Assert.Contains("bad.yaml: line", Assert.Throws<InvalidDataException>(() => new OfflineBackend(new OfflineBackendOptions { KnowledgeFile = path })).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chat_backend_talks_to_an_openai_compatible_endpoint()
    {
        var port = EmbeddedBroker.FreePort();
        using var server = new HttpListener();
        server.Prefixes.Add($"http://127.0.0.1:{port}/");
        server.Start();
        var requests = new List<JsonDocument>();
        var paths = new List<string>();
        _ = Task.Run(async () =>
        {
            for (var i = 0; server.IsListening; i++)
            {
                HttpListenerContext context;
                try
                {
                    context = await server.GetContextAsync();
                }
                catch (HttpListenerException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                requests.Add(JsonDocument.Parse(await reader.ReadToEndAsync()));
                paths.Add($"{context.Request.Url!.AbsolutePath} {context.Request.Headers["Authorization"]}");
                var body = i == 0
                    ? """{"id":"c1","object":"chat.completion","created":1,"model":"local","choices":[{"index":0,"message":{"role":"assistant","content":" Canberra is the capital. "},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"""
                    : """{"error":{"message":"overloaded","type":"server_error"}}""";
                context.Response.StatusCode = i == 0 ? 200 : 500;
                context.Response.ContentType = "application/json";
                var bytes = Encoding.UTF8.GetBytes(body);
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        });

        using var backend = ChatClientBackend.Create(new ChatBackendOptions { Url = $"http://127.0.0.1:{port}/v1", Model = "local", ApiKey = "test-key", MaxRetries = 1 });
        var answer = await backend.AnswerAsync("what is the capital of australia", null, CancellationToken.None);
        Assert.Equal("Canberra is the capital.", answer.Text);
        var messages = requests[0].RootElement.GetProperty("messages");
        Assert.Equal("system", messages[0].GetProperty("role").GetString());
        Assert.Equal("what is the capital of australia", messages[1].GetProperty("content").GetString());
        Assert.Equal("local", requests[0].RootElement.GetProperty("model").GetString());

        var failure = await Assert.ThrowsAsync<CloudBackendException>(() => backend.AnswerAsync("again", null, CancellationToken.None));
        Assert.Contains("chat endpoint failed", failure.Message, StringComparison.Ordinal);
        Assert.Equal(3, requests.Count);
        Assert.All(paths, p => Assert.Equal("/v1/chat/completions Bearer test-key", p));
        server.Stop();
        foreach (var request in requests)
        {
            request.Dispose();
        }
    }
}

public sealed class BusOptionsTests
{
    [Theory]
    [InlineData("car/other")]
    [InlineData("car+")]
    [InlineData("#")]
    [InlineData("../../etc")]
    [InlineData("car..1")]
    [InlineData("")]
    [InlineData("wagen ein")]
    public void VehicleId_TopicWildcardsPathsOrEmpty_Refused(string id)
    {
        var error = Assert.Throws<ArgumentException>(() => new CarBusOptions { VehicleId = id });
        Assert.Contains("Bus:VehicleId", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("demo-car")]
    [InlineData("WVW.ZZZ_1K-123")]
    public void VehicleId_LettersDigitsDotsDashes_Accepted(string id) =>
        Assert.Equal(id, new CarBusOptions { VehicleId = id }.VehicleId);

    [Fact]
    public void Password_OverPlainMqtt_RefusedUnlessAllowed()
    {
        var options = new BrokerOptions { Username = "car", Password = "secret" };

        var error = Assert.Throws<ArgumentException>(() => MqttConnection.CreateOptions(options, new Uri("mqtt://broker.example:1883"), "car"));
        Assert.Contains("plain text", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);

        options.AllowPlainTextPassword = true;
        Assert.NotNull(MqttConnection.CreateOptions(options, new Uri("mqtt://broker.example:1883"), "car"));
        Assert.NotNull(MqttConnection.CreateOptions(new BrokerOptions { Username = "car", Password = "secret" }, new Uri("mqtts://broker.example:8883"), "car"));
        Assert.NotNull(MqttConnection.CreateOptions(new BrokerOptions { Username = "car" }, new Uri("mqtt://broker.example:1883"), "car"));
    }
}
