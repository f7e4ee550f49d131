-- The b2bcx account roll-up of the benchmark exports in ONE DuckDB query
-- (docs/method.md#scores-2, for benchmarks/data/bench.yaml). The runner replaces
-- __CSV__ with the export's path; it is wrapped in COPY ... TO parquet.
--
-- Respondent: labels -> 1..5 (trimmed, case-insensitive; "Don't know" and blanks
-- are NULL) -> item score 100 * (v - 1) / 4 (Q12 reversed); pillar = mean of the
-- answered items if >= 2 of 3 (ceil(3/2)); CX index = mean of the pillars present
-- if >= 3 of 6; NPS coded promoter 9-10 / detractor 0-6.
-- Account: mean per account x role, then sum(w_r * m_ar) / sum(w_r) over the roles
-- with a value (weights renormalised), separately for the index, each pillar and
-- the NPS (promoter share - detractor share); coverage = role weight with an
-- index / total role weight (0.5 + 0.3 + 0.2 = 1.0).
WITH
roles (title, role, weight) AS (
    VALUES
        ('decision_maker', 'decision_maker', 0.5),
        ('decision maker', 'decision_maker', 0.5),
        ('executive sponsor', 'decision_maker', 0.5),
        ('c-level', 'decision_maker', 0.5),
        ('vp operations', 'decision_maker', 0.5),
        ('influencer', 'influencer', 0.3),
        ('procurement', 'influencer', 0.3),
        ('it lead', 'influencer', 0.3),
        ('user', 'user', 0.2),
        ('end user', 'user', 0.2),
        ('daily user', 'user', 0.2)
),
answers AS (
    SELECT
        trim(AccountId) AS account,
        lower(trim(Role)) AS title,
        CAST(Q_NPS AS DOUBLE) AS nps_answer,
        COLUMNS('^Q[0-9]+$')
    FROM read_csv('__CSV__', header = true, all_varchar = true)
),
items AS (
    SELECT
        account,
        title,
        nps_answer,
        CASE lower(trim(COLUMNS('^Q[0-9]+$')))
            WHEN 'strongly disagree' THEN 0.0
            WHEN 'disagree' THEN 25.0
            WHEN 'neither agree nor disagree' THEN 50.0
            WHEN 'agree' THEN 75.0
            WHEN 'strongly agree' THEN 100.0
        END
    FROM answers
),
pillars AS (
    SELECT
        account,
        title,
        nps_answer,
        [Q1, Q2, Q3] AS integrity,
        [Q4, Q5, Q6] AS resolution,
        [Q7, Q8, Q9] AS expectations,
        [Q10, Q11, 100.0 - Q12] AS time_and_effort,
        [Q13, Q14, Q15] AS personalisation,
        [Q16, Q17, Q18] AS empathy
    FROM items
),
pillar_scores AS (
    SELECT
        account,
        title,
        nps_answer,
        CASE
            WHEN list_count(COLUMNS(* EXCLUDE (account, title, nps_answer))) >= 2
            THEN list_avg(COLUMNS(* EXCLUDE (account, title, nps_answer)))
        END
    FROM pillars
),
respondents AS (
    SELECT
        p.account,
        r.role,
        r.weight,
        p.* EXCLUDE (account, title, nps_answer),
        CASE
            WHEN list_count([integrity, resolution, expectations, time_and_effort,
                             personalisation, empathy]) >= 3
            THEN list_avg([integrity, resolution, expectations, time_and_effort,
                           personalisation, empathy])
        END AS cx_index,
        CAST(nps_answer >= 9 AS DOUBLE) AS promoter,
        CAST(nps_answer <= 6 AS DOUBLE) AS detractor
    FROM pillar_scores AS p
    JOIN roles AS r USING (title)
),
cells AS (
    SELECT
        account,
        role,
        any_value(weight) AS weight,
        count(*) AS n,
        avg(COLUMNS(* EXCLUDE (account, role, weight)))
    FROM respondents
    GROUP BY account, role
)
SELECT
    account,
    CAST(sum(n) AS BIGINT) AS n,
    coalesce(sum(CASE WHEN cx_index IS NOT NULL THEN weight END), 0.0) / 1.0
        AS coverage,
    sum(weight * cx_index) / sum(CASE WHEN cx_index IS NOT NULL THEN weight END)
        AS "index",
    100.0 * sum(weight * (promoter - detractor))
        / sum(CASE WHEN promoter IS NOT NULL THEN weight END) AS nps,
    -- the same for each pillar: the two COLUMNS(...) expand in lockstep. (Not with
    -- FILTER (WHERE COLUMNS(...) ...): DuckDB 2.0.0 pairs the wrong columns there,
    -- see duckdb/duckdb pull request 25096.)
    sum(weight * COLUMNS(['integrity', 'resolution', 'expectations',
                          'time_and_effort', 'personalisation', 'empathy']))
        / sum(CASE WHEN COLUMNS(['integrity', 'resolution', 'expectations',
                                 'time_and_effort', 'personalisation', 'empathy'])
                   IS NOT NULL THEN weight END)
FROM cells
GROUP BY account
ORDER BY account
