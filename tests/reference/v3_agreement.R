#!/usr/bin/env Rscript
# Independent R reference for agreement, contacts needed and scale reliability
# (docs/method.md#agreement-within-an-account, #scale-reliability).
#
# Rerun from the repository root:
#     Rscript tests/reference/v3_agreement.R              # recompute the pinned outputs
#     Rscript tests/reference/v3_agreement.R --generate   # also rewrite the export
# Written and pinned with R 4.2.2, multilevel 2.7, psych 2.2.9 (versions printed into
# tests/data/reference/v3/r_versions.txt).
#
# Input (tests/data/reference/v3/): agreement.csv, generated here with a fixed seed;
# the pinned copy is the reference, so the computation reads it back from disk.
# 40 accounts of 1-8 respondents with an account effect; three pillars:
#   p1: Q1 Q2 Q3 (1..5), p2: Q4 Q5 (1..5; Q4 is worded the other way round and
#   the config says so), p3: Q6 Q7 Q8 (1..7; Q8 is worded the other way round and
#   the config does NOT say so: its item-rest correlation is negative).
# Account ACC40 is planted split: half its people answer low, half high.
#
# Outputs (same folder), 17 significant digits:
#   r_rwg.csv       account, n, complete, rwg_j, contacts_needed
#   r_icc.csv       icc1, icc2, k_star
#   r_priority.csv  account, se, priority_equal, priority_revenue, priority_min3
#   r_pooled.csv    pooled_variance (the index, all roles)
#   r_scales.csv    pillar, n, alpha, alpha_ci_low, alpha_ci_high
#   r_items.csv     pillar, item, item_rest_r, alpha_if_deleted
#
# Nothing here calls b2bcx. Readings of the method:
#  * Item scores s = 100 (v - lo)/(hi - lo), reversed 100 - s for reverse-coded
#    statements; alpha is on item scores (psych::alpha, check.keys = FALSE) over the
#    pillar's complete rows; alpha.ci(raw_alpha, n, J) is Feldt's interval.
#  * rwg_j on raw answers, reverse-coded statements reversed (lo + hi - v), over every
#    statement of the index, complete rows of the account, 3+ of them. Statements on
#    different scales: each statement divided by sqrt((A^2 - 1)/12), ranvar = 1, so S
#    is the mean of s_j^2 / sigma_EU_j^2 (capped at 1 by rwg.j).
#  * ICC(1), ICC(2) of the respondent CX index (pillar = mean of its answered item
#    scores when at least half, rounded up, are answered; index = mean of the pillars
#    when at least half of them, rounded up, are present) by account, aov.
#  * k* = R (1 - ICC1) / (ICC1 (1 - R)), R = 0.7; contacts_needed = max(0, ceil(k*) - n_a),
#    n_a = the account's respondents.
suppressPackageStartupMessages({ library(multilevel); library(psych) })
dir <- "tests/data/reference/v3"
args <- commandArgs(trailingOnly = TRUE)

if ("--generate" %in% args) {
  set.seed(2025)
  accounts <- sprintf("ACC%02d", 1:40)
  sizes <- c(sample(1:8, 39, replace = TRUE), 6)
  rows <- list(); k <- 0
  for (a in seq_along(accounts)) {
    u <- rnorm(1, 0, 0.4)
    for (i in seq_len(sizes[a])) {
      k <- k + 1
      t <- 3 + u + rnorm(1, 0, 0.7)
      if (a == 40) t <- if (i %% 2 == 0) 1.2 else 4.8
      five <- function() min(5, max(1, round(t + rnorm(1, 0, 0.55))))
      seven <- function() min(7, max(1, round(1.5 * t - 0.5 + rnorm(1, 0, 0.7))))
      q <- c(five(), five(), five(), 6 - five(), five(), seven(), seven(), 8 - seven())
      nps <- min(10, max(0, round(2.2 * t - 1 + rnorm(1, 0, 1))))
      q[runif(8) < 0.03 & a != 40] <- NA
      rows[[k]] <- data.frame(
        RespondentId = sprintf("R%04d", k), AccountId = accounts[a],
        Role = sample(c("Decision maker", "Influencer", "User"), 1, prob = c(.3, .3, .4)),
        Revenue = 10000 * a,
        Q1 = q[1], Q2 = q[2], Q3 = q[3], Q4 = q[4], Q5 = q[5], Q6 = q[6], Q7 = q[7],
        Q8 = q[8], NPS = nps)
    }
  }
  out <- do.call(rbind, rows)
  write.csv(out, file.path(dir, "agreement.csv"), row.names = FALSE, na = "")
}

d <- read.csv(file.path(dir, "agreement.csv"), stringsAsFactors = FALSE)
items <- paste0("Q", 1:8)
lo <- c(rep(1, 5), rep(1, 3)); hi <- c(rep(5, 5), rep(7, 3))
reverse <- c(FALSE, FALSE, FALSE, TRUE, FALSE, FALSE, FALSE, FALSE)  # Q8 not marked
pillars <- list(p1 = c("Q1", "Q2", "Q3"), p2 = c("Q4", "Q5"), p3 = c("Q6", "Q7", "Q8"))
raw <- as.matrix(d[, items])
score <- sweep(sweep(raw, 2, lo), 2, hi - lo, "/") * 100
score[, reverse] <- 100 - score[, reverse]
colnames(score) <- items
f17 <- function(x) trimws(formatC(x, digits = 17, format = "g"))

# --- scales -------------------------------------------------------------------
sc <- list(); it <- list()
for (p in names(pillars)) {
  x <- score[, pillars[[p]], drop = FALSE]
  x <- x[complete.cases(x), , drop = FALSE]
  a <- psych::alpha(x, check.keys = FALSE, warnings = FALSE)
  ci <- psych::alpha.ci(a$total$raw_alpha, nrow(x), ncol(x))
  sc[[p]] <- data.frame(pillar = p, n = nrow(x), alpha = f17(a$total$raw_alpha),
                        alpha_ci_low = f17(ci$lower.ci), alpha_ci_high = f17(ci$upper.ci))
  drop <- if (ncol(x) > 2) a$alpha.drop$raw_alpha else rep(NA, ncol(x))
  it[[p]] <- data.frame(pillar = p, item = colnames(x),
                        item_rest_r = f17(a$item.stats$r.drop),
                        alpha_if_deleted = ifelse(is.na(drop), "", f17(drop)))
}
write.csv(do.call(rbind, sc), file.path(dir, "r_scales.csv"), row.names = FALSE)
write.csv(do.call(rbind, it), file.path(dir, "r_items.csv"), row.names = FALSE)

# --- rwg_j ----------------------------------------------------------------------
answers <- raw
answers[, reverse] <- sweep(-answers[, reverse, drop = FALSE], 2, -(lo + hi)[reverse])
A <- hi - lo + 1
scaled <- sweep(answers, 2, sqrt((A^2 - 1) / 12), "/")
complete <- complete.cases(scaled)
counts <- table(d$AccountId[complete])
enough <- names(counts)[counts >= 3]
keep <- complete & d$AccountId %in% enough
r <- multilevel::rwg.j(scaled[keep, ], d$AccountId[keep], ranvar = 1)

# --- ICC and contacts needed ----------------------------------------------------
pillar_score <- sapply(pillars, function(p) {
  x <- score[, p, drop = FALSE]
  m <- rowMeans(x, na.rm = TRUE)
  ifelse(rowSums(!is.na(x)) >= ceiling(length(p) / 2), m, NA)
})
index <- ifelse(rowSums(!is.na(pillar_score)) >= ceiling(ncol(pillar_score) / 2),
                rowMeans(pillar_score, na.rm = TRUE), NA)
has <- !is.na(index)
model <- aov(index[has] ~ factor(d$AccountId[has]))
icc1 <- multilevel::ICC1(model); icc2 <- multilevel::ICC2(model)
target <- 0.7
k_star <- target * (1 - icc1) / (icc1 * (1 - target))
write.csv(data.frame(icc1 = f17(icc1), icc2 = f17(icc2), k_star = f17(k_star)),
          file.path(dir, "r_icc.csv"), row.names = FALSE)

n <- table(d$AccountId)
out <- data.frame(account = names(n), n = as.integer(n))
out$complete <- as.integer(ifelse(is.na(counts[out$account]), 0, counts[out$account]))
out$rwg_j <- ""
hit <- match(r$grpid, out$account)
out$rwg_j[hit] <- f17(r$rwg.j)
out$contacts_needed <- if (icc1 > 0) pmax(0, ceiling(k_star) - out$n) else NA
write.csv(out, file.path(dir, "r_rwg.csv"), row.names = FALSE)
writeLines(c(R.version.string, paste("multilevel", packageVersion("multilevel")),
             paste("psych", packageVersion("psych"))), file.path(dir, "r_versions.txt"))

# --- chase priority ---------------------------------------------------------------
# SE_a of the role-weighted index (docs/method.md#roll-up): sigma_r^2 pooled within
# account x role cells (deviations from the cell mean), a role with N_r - A_r = 0
# borrowing the all-roles pool; SE_a^2 = sum_r (w_r/W_a)^2 sigma_r^2 / n_ar over the
# roles with an index. priority_a = v_a^2 SE_a^2 / (n_a + 1), v_a = w_a / sum of w over
# the scored accounts. With min_respondents = 3 the accounts of 1-2 respondents have
# no index and no SE: they use sigma^2 / n_a, sigma^2 the all-roles pool, and are left
# out of the normalisation of v.
role_map <- c("Decision maker" = "decision_maker", "Influencer" = "influencer", "User" = "user")
weights <- c(decision_maker = 0.5, influencer = 0.3, user = 0.2)
role <- role_map[d$Role]
x <- data.frame(account = d$AccountId, role = role, index = index)[has, ]
cells <- aggregate(index ~ account + role, x, function(v) c(n = length(v), ss = sum((v - mean(v))^2)))
cells <- data.frame(account = cells$account, role = cells$role, n = cells$index[, "n"], ss = cells$index[, "ss"])
dof <- tapply(cells$n - 1, cells$role, sum)
ss <- tapply(cells$ss, cells$role, sum)
pooled <- sum(ss) / sum(dof)
sigma2 <- ifelse(dof > 0, ss / dof, pooled)
se <- sapply(out$account, function(a) {
  k <- cells[cells$account == a, ]
  if (!nrow(k)) return(NA)
  w <- weights[k$role]; W <- sum(w)
  sqrt(sum((w / W)^2 * sigma2[k$role] / k$n))
})
revenue <- tapply(d$Revenue, d$AccountId, function(v) v[1])[out$account]
priority <- function(w, se, n, scored) {
  v <- w / sum(w[scored])
  se2 <- ifelse(is.na(se), pooled / n, se^2)
  v^2 * se2 / (n + 1)
}
scored_all <- !is.na(se)
few <- out$n < 3
pr <- data.frame(
  account = out$account, se = f17(se),
  priority_equal = f17(priority(rep(1, nrow(out)), se, out$n, scored_all)),
  priority_revenue = f17(priority(revenue, se, out$n, scored_all)),
  priority_min3 = f17(priority(rep(1, nrow(out)), ifelse(few, NA, se), out$n, !few & scored_all)))
write.csv(pr, file.path(dir, "r_priority.csv"), row.names = FALSE)
write.csv(data.frame(pooled_variance = f17(pooled)), file.path(dir, "r_pooled.csv"), row.names = FALSE)
