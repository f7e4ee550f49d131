#!/usr/bin/env Rscript
# Independent R reference for the v2 account statistics (docs/method.md §1, §2, §2b, §5).
#
# Rerun from the repository root:
#     Rscript tests/reference/v2_reference.R              # recompute the pinned outputs
#     Rscript tests/reference/v2_reference.R --generate   # also rewrite the three exports
# Written and pinned with R 4.2.2 (2022-11-10 r83330), metafor 3.8-1, survey 4.1-1.
#
# Inputs (tests/data/reference/): wave2.csv (this quarter), wave1.csv (last quarter,
# the baseline), single_dm.csv (no account has two decision makers). They are
# generated here with a fixed seed; the pinned copies are the reference, so the
# computation below reads them back from disk and never depends on the generator
# (R's random number streams can change between releases).
#
# Outputs (same folder), every number with 17 significant digits:
#   r_accounts_wave2.csv, r_accounts_single_dm.csv,
#   r_segments_wave2.csv (equal account weights), r_segments_wave2_revenue.csv.
#
# Nothing here calls b2bcx: scores, roll-up, variances, Fay-Herriot, intervals and
# margins are computed from the CSVs with base R, metafor and survey.
#
# Readings of the method where it leaves a choice (each one is the sound reading
# an analyst would take; they are also what the tests pin):
#  * Roles are matched trimmed and case-insensitive against the config's role map.
#  * The index roll-up uses R_a = roles with at least one respondent with a CX
#    index; coverage uses the same R_a (docs/decisions.md). The NPS roll-up uses the
#    roles with at least one NPS answer, and n_ar there counts NPS respondents; the
#    Kish n_eff uses those NPS n_ar and NPS role set.
#  * Pooled variance deviations are from the cell mean (within_role: mean here).
#    v2 fallback: a role with N_r - A_r = 0 borrows the pooled variance over all
#    roles, sum_r sum_a sum_i (x - m_ar)^2 / sum_r (N_r - A_r); roles with N_r - A_r > 0
#    keep their own sigma_r^2. The fallback SE is the SE used everywhere in v2
#    (CI, Fay-Herriot, change tests).
#  * Fay-Herriot: REML tau^2 is the exact maximiser. metafor's default Fisher-scoring
#    stop (change in tau^2 < 1e-5) is tightened to 1e-12 so the pinned tau^2 is the
#    optimum, not an iterate; it is confirmed by solving the REML score equation
#    with uniroot. index_eb / index_eb_se are blup()'s pred / se, and are checked
#    against mu + B (I - mu) and sqrt(B SE^2 + (1 - B)^2 / sum u).
#  * The NPS interval is centred on 100 (p~ - d~) (the adjusted Wald centre, as the
#    method writes it), not on the account NPS, and is clipped to -100..100.
#  * p_change = 2 (1 - Phi(|D| / sqrt(SE^2 + SE_base^2))), computed as
#    2 * pnorm(-|x|) (the same number without the cancellation of 1 - Phi).
#    Accounts in one wave only get no delta; accounts with no defined SE in either
#    wave are "not testable" (blank p, q, significant_fdr) and are not among the
#    m accounts of the Benjamini-Hochberg adjustment.
#  * Segments: a segment's statistics use only its own k accounts (svydesign on the
#    segment's accounts), as the method's "over its k accounts" says; this is not
#    survey's domain estimation over the whole portfolio (subset()), whose variance
#    would use the portfolio's n. Segment membership and revenue weights come from the
#    current wave. Accounts without a value (no index / no NPS) are left out of
#    that value's mean; `accounts` counts all the segment's accounts.
#  * nps_se_srs (v1's margin, docs/decisions.md): p and d are the (equal or revenue)
#    weighted means of the accounts' role-weighted promoter and detractor shares and
#    n the number of the segment's respondents who answered the NPS item (of accounts
#    with an NPS). nps_deff = nps_se^2 / nps_se_srs^2, nps_n_eff = n / nps_deff.
#  * respondent_nps is the plain NPS of the segment's respondents who answered the NPS
#    item, unweighted in both the equal and the revenue tables (it is what a survey
#    tool shows).
#  * Paired change: accounts of the segment in both waves with an index in both;
#    weights v_a normalised over those accounts (revenue: current wave's revenue).
#    Interval delta +- z SE with z = qnorm(0.975). For equal weights the SE equals the
#    paired t.test's estimate / statistic (kept as `delta_se_ttest`).

suppressPackageStartupMessages({
  library(metafor)
  library(survey)
})

Z <- qnorm(0.975)
DIR <- file.path("tests", "data", "reference")
if (!dir.exists(DIR)) stop("run from the repository root: Rscript tests/reference/v2_reference.R")

PILLARS <- c("integrity", "resolution", "expectations", "time_and_effort",
             "personalisation", "empathy")
ITEMS <- setNames(lapply(seq_along(PILLARS), function(j) sprintf("S%d", 3 * (j - 1) + 1:3)),
                  PILLARS)
ROLE_W <- c(decision_maker = 0.5, influencer = 0.3, user = 0.2)
ROLE_MAP <- c("decision maker" = "decision_maker", "influencer" = "influencer", "user" = "user")
LO <- 1
HI <- 5

# ---------------------------------------------------------------------------------
# Generating the exports (only with --generate)
# ---------------------------------------------------------------------------------
generate_wave <- function(ids, truth, region, revenue, sizes, roles, id_prefix,
                          item_noise = 12) {
  rows <- list()
  k <- 0
  for (i in seq_along(ids)) {
    for (j in seq_len(sizes[i])) {
      k <- k + 1
      role <- roles[[i]][j]
      offset <- c(decision_maker = -4, influencer = 2, user = 5)[[role]]
      theta <- truth[i] + offset + rnorm(1, 0, item_noise)
      answers <- pmin(5, pmax(1, round(1 + 4 * theta / 100 + rnorm(18, 0, 0.7))))
      answers[runif(18) < 0.05] <- NA
      nps <- pmin(10, pmax(0, round(theta / 10 + 0.8 + rnorm(1, 0, 1.3))))
      if (runif(1) < 0.04) nps <- NA
      label <- c(decision_maker = "Decision maker", influencer = "Influencer",
                 user = "User")[[role]]
      if (runif(1) < 0.1) label <- sample(c(tolower(label), paste0(" ", label, " "),
                                            toupper(label)), 1)
      rows[[k]] <- data.frame(
        RespondentId = sprintf("%s%04d", id_prefix, k), AccountId = ids[i],
        Role = label, Region = region[i], Revenue = revenue[i],
        t(setNames(answers, sprintf("S%d", 1:18))), NPS = nps,
        stringsAsFactors = FALSE, check.names = FALSE)
    }
  }
  do.call(rbind, rows)
}

draw_roles <- function(size, dm) {
  # dm decision makers, the rest influencers or users
  c(rep("decision_maker", dm), sample(c("influencer", "user"), size - dm, replace = TRUE,
                                      prob = c(0.5, 0.5)))[sample.int(size)]
}

generate <- function() {
  set.seed(20261130)
  n_acc <- 44
  ids <- sprintf("ACC%02d", 1:n_acc)
  region <- sample(c("North", "South", "West"), n_acc, replace = TRUE)
  revenue <- round(exp(rnorm(n_acc, log(400000), 1)), -3)
  truth2 <- rnorm(n_acc, 66, 11)
  change <- rnorm(n_acc, 0, 3)
  change[c(3, 8, 15, 22, 29)] <- c(-22, 18, -16, 20, -25)
  truth1 <- truth2 - change
  # wave 2: ACC01..ACC40; sizes 1..8 with six single-respondent accounts
  sizes2 <- sample(2:8, n_acc, replace = TRUE)
  sizes2[c(5, 11, 17, 26, 33, 38)] <- 1
  dm2 <- pmin(sizes2, sample(0:2, n_acc, replace = TRUE, prob = c(0.3, 0.5, 0.2)))
  dm2[c(2, 9, 20, 31)] <- pmin(sizes2[c(2, 9, 20, 31)], 3)   # 2+ decision makers
  dm2[c(6, 13, 24, 36)] <- 0                                  # no decision maker
  w2 <- 1:40
  roles2 <- lapply(w2, function(i) draw_roles(sizes2[i], dm2[i]))
  wave2 <- generate_wave(ids[w2], truth2[w2], region[w2], revenue[w2], sizes2[w2],
                         roles2, "W2R")
  # one respondent who answered no statement (no CX index) but the NPS question
  wave2[which(wave2$AccountId == "ACC07")[1], sprintf("S%d", 1:18)] <- NA
  # wave 1: ACC01..ACC36 and ACC41..ACC44 (four accounts new this quarter, four gone)
  w1 <- c(1:36, 41:44)
  sizes1 <- sample(1:8, n_acc, replace = TRUE)
  sizes1[c(4, 11, 19)] <- 1
  dm1 <- pmin(sizes1, sample(0:2, n_acc, replace = TRUE, prob = c(0.3, 0.5, 0.2)))
  dm1[c(1, 10, 25)] <- pmin(sizes1[c(1, 10, 25)], 2)
  roles1 <- lapply(seq_len(n_acc), function(i) draw_roles(sizes1[i], dm1[i]))
  wave1 <- generate_wave(ids[w1], truth1[w1], region[w1], revenue[w1], sizes1[w1],
                         roles1[w1], "W1R")
  # single_dm: 30 accounts, never two decision makers in one account
  ids_s <- sprintf("SDM%02d", 1:30)
  region_s <- sample(c("North", "South", "West"), 30, replace = TRUE)
  revenue_s <- round(exp(rnorm(30, log(300000), 1)), -3)
  truth_s <- rnorm(30, 62, 12)
  sizes_s <- sample(1:7, 30, replace = TRUE)
  sizes_s[c(4, 12, 21)] <- 1
  dm_s <- pmin(sizes_s, sample(0:1, 30, replace = TRUE, prob = c(0.3, 0.7)))
  roles_s <- lapply(1:30, function(i) draw_roles(sizes_s[i], dm_s[i]))
  single <- generate_wave(ids_s, truth_s, region_s, revenue_s, sizes_s, roles_s, "SDR")
  for (name in c("wave2", "wave1", "single_dm")) {
    frame <- get(if (name == "single_dm") "single" else name)
    frame$Revenue <- sprintf("%.0f", frame$Revenue)
    write.csv(frame, file.path(DIR, paste0(name, ".csv")), row.names = FALSE, na = "")
  }
}

if ("--generate" %in% commandArgs(trailingOnly = TRUE)) generate()

# ---------------------------------------------------------------------------------
# Respondent scores (§1)
# ---------------------------------------------------------------------------------
read_export <- function(name) {
  d <- read.csv(file.path(DIR, name), stringsAsFactors = FALSE, na.strings = "",
                check.names = FALSE, colClasses = c(RespondentId = "character",
                                                    AccountId = "character",
                                                    Role = "character",
                                                    Region = "character"))
  role <- unname(ROLE_MAP[tolower(trimws(d$Role))])
  stopifnot(!anyNA(role))
  items <- sapply(unname(unlist(ITEMS)), function(s) {
    v <- as.numeric(d[[s]])
    stopifnot(all(is.na(v) | (v >= LO & v <= HI)))
    100 * (v - LO) / (HI - LO)
  })
  pillar <- sapply(PILLARS, function(p) {
    x <- items[, ITEMS[[p]], drop = FALSE]
    answered <- rowSums(!is.na(x))
    ifelse(answered >= ceiling(length(ITEMS[[p]]) / 2), rowMeans(x, na.rm = TRUE), NA)
  })
  present <- rowSums(!is.na(pillar))
  index <- ifelse(present >= ceiling(length(PILLARS) / 2), rowMeans(pillar, na.rm = TRUE), NA)
  nps <- as.numeric(d$NPS)
  code <- ifelse(is.na(nps), NA, ifelse(nps >= 9, 1, ifelse(nps <= 6, -1, 0)))
  data.frame(account = d$AccountId, role = role, region = d$Region,
             revenue = as.numeric(d$Revenue), index = index, nps = nps, code = code,
             stringsAsFactors = FALSE)
}

# ---------------------------------------------------------------------------------
# Role-weighted roll-up with pooled variances (§2, v2 fallback)
# ---------------------------------------------------------------------------------
rollup <- function(resp, x, accounts) {
  roles <- names(ROLE_W)
  n <- m <- ss <- matrix(0, length(accounts), length(roles), dimnames = list(accounts, roles))
  m[] <- NA
  for (a in accounts) for (r in roles) {
    v <- x[resp$account == a & resp$role == r & !is.na(x)]
    n[a, r] <- length(v)
    if (length(v)) {
      m[a, r] <- mean(v)
      ss[a, r] <- sum((v - mean(v))^2)
    }
  }
  dof <- colSums(n) - colSums(n > 0)
  sigma2_v1 <- ifelse(dof > 0, colSums(ss) / dof, NA)
  pooled_all <- if (sum(dof) > 0) sum(ss) / sum(dof) else NA
  sigma2 <- ifelse(dof > 0, sigma2_v1, pooled_all)
  est <- se <- se_v1 <- n_eff <- W <- numeric(length(accounts))
  for (i in seq_along(accounts)) {
    used <- n[i, ] > 0
    W[i] <- sum(ROLE_W[used])
    if (!any(used)) {
      est[i] <- se[i] <- se_v1[i] <- n_eff[i] <- NA
      next
    }
    share <- ROLE_W[used] / W[i]
    est[i] <- sum(share * m[i, used])
    se[i] <- sqrt(sum(share^2 * sigma2[used] / n[i, used]))
    se_v1[i] <- sqrt(sum(share^2 * sigma2_v1[used] / n[i, used]))
    n_eff[i] <- 1 / sum(share^2 / n[i, used])
  }
  list(est = est, se = se, se_v1 = se_v1, n_eff = n_eff, n = n,
       coverage = W / sum(ROLE_W), sigma2 = sigma2, sigma2_v1 = sigma2_v1,
       borrowed = roles[dof == 0])
}

# ---------------------------------------------------------------------------------
# Fay-Herriot by REML (§2b)
# ---------------------------------------------------------------------------------
reml_by_score <- function(y, v) {
  score <- function(t2) {
    u <- 1 / (t2 + v)
    mu <- sum(u * y) / sum(u)
    -0.5 * sum(u) + 0.5 * sum(u^2 * (y - mu)^2) + 0.5 * sum(u^2) / sum(u)
  }
  if (score(0) <= 0) return(0)
  upper <- 10 * var(y) + 1
  while (score(upper) > 0) upper <- upper * 2
  uniroot(score, c(0, upper), tol = 1e-14, maxiter = 10000)$root
}

fay_herriot <- function(I, SE) {
  ok <- !is.na(I) & !is.na(SE)
  fit <- rma(yi = I[ok], sei = SE[ok], method = "REML",
             control = list(threshold = 1e-12, maxiter = 10000))
  default_fit <- rma(yi = I[ok], sei = SE[ok], method = "REML")
  b <- blup(fit)
  tau2 <- fit$tau2
  mu <- as.numeric(coef(fit))
  check <- reml_by_score(I[ok], SE[ok]^2)
  stopifnot(abs(check - tau2) < 1e-8 * max(1, tau2))
  u <- 1 / (tau2 + SE[ok]^2)
  stopifnot(abs(mu - sum(u * I[ok]) / sum(u)) < 1e-9)
  B <- tau2 / (tau2 + SE[ok]^2)
  stopifnot(max(abs(b$pred - (mu + B * (I[ok] - mu)))) < 1e-9,
            max(abs(b$se - sqrt(B * SE[ok]^2 + (1 - B)^2 / sum(u)))) < 1e-9)
  out <- data.frame(tau2 = rep(NA_real_, length(I)), mu = NA_real_, reliability = NA_real_,
                    index_eb = NA_real_, index_eb_se = NA_real_)
  out$tau2[ok] <- tau2
  out$mu[ok] <- mu
  out$reliability[ok] <- B
  out$index_eb[ok] <- b$pred
  out$index_eb_se[ok] <- b$se
  attr(out, "default_tau2") <- default_fit$tau2
  out
}

# ---------------------------------------------------------------------------------
# The account table of one export
# ---------------------------------------------------------------------------------
account_table <- function(resp) {
  accounts <- sort(unique(resp$account))
  idx <- rollup(resp, resp$index, accounts)
  prom <- rollup(resp, ifelse(is.na(resp$code), NA, as.numeric(resp$code == 1)), accounts)
  detr <- rollup(resp, ifelse(is.na(resp$code), NA, as.numeric(resp$code == -1)), accounts)
  p <- prom$est
  d <- detr$est
  n_eff <- prom$n_eff
  pt <- (n_eff * p + 3 / 4) / (n_eff + 3)
  dt <- (n_eff * d + 3 / 4) / (n_eff + 3)
  half <- Z * 100 * sqrt((pt + dt - (pt - dt)^2) / (n_eff + 3))
  first <- function(col) sapply(accounts, function(a) {
    v <- resp[[col]][resp$account == a & !is.na(resp[[col]])]
    names(sort(table(v), decreasing = TRUE))[1]
  })
  tab <- data.frame(
    account = accounts,
    n = as.integer(table(factor(resp$account, levels = accounts))),
    coverage = idx$coverage,
    index = idx$est,
    se = idx$se,
    ci_low = pmin(pmax(idx$est - Z * idx$se, 0), 100),
    ci_high = pmin(pmax(idx$est + Z * idx$se, 0), 100),
    nps = 100 * (p - d),
    n_eff = n_eff,
    nps_ci_low = pmax(100 * (pt - dt) - half, -100),
    nps_ci_high = pmin(100 * (pt - dt) + half, 100),
    stringsAsFactors = FALSE)
  fh <- fay_herriot(tab$index, tab$se)
  tab <- cbind(tab, fh)
  tab$se_v1 <- idx$se_v1
  tab$promoter_share <- p
  tab$detractor_share <- d
  tab$nps_n <- as.integer(table(factor(resp$account[!is.na(resp$code)], levels = accounts)))
  tab$region <- first("region")
  tab$revenue <- as.numeric(first("revenue"))
  attr(tab, "borrowed") <- idx$borrowed
  attr(tab, "sigma2") <- idx$sigma2
  attr(tab, "default_tau2") <- attr(fh, "default_tau2")
  rownames(tab) <- NULL
  tab
}

with_baseline <- function(cur, base) {
  b <- base[match(cur$account, base$account), ]
  cur$index_baseline <- b$index
  cur$delta <- cur$index - b$index
  x <- abs(cur$delta) / sqrt(cur$se^2 + b$se^2)
  cur$p_change <- 2 * pnorm(x, lower.tail = FALSE)
  testable <- !is.na(cur$p_change)
  cur$q_change <- NA_real_
  cur$q_change[testable] <- p.adjust(cur$p_change[testable], "BH")
  cur$significant_fdr <- ifelse(testable, cur$q_change <= 0.05, NA)
  cur
}

# ---------------------------------------------------------------------------------
# Segments and portfolio (§2, §2b): account-clustered margins and paired change
# ---------------------------------------------------------------------------------
clustered_mean <- function(y, v) {
  ok <- !is.na(y) & !is.na(v) & v > 0
  y <- y[ok]
  v <- v[ok]
  k <- length(y)
  if (k == 0) return(c(mean = NA, se = NA, k = 0))
  v <- v / sum(v)
  mean <- sum(v * y)
  if (k < 2) return(c(mean = mean, se = NA, k = k))
  se <- sqrt(k / (k - 1) * sum(v^2 * (y - mean)^2))
  design <- svydesign(ids = ~1, weights = ~v, data = data.frame(y = y, v = v))
  s <- svymean(~y, design)
  stopifnot(abs(coef(s)[[1]] - mean) < 1e-9, abs(SE(s)[[1]] - se) < 1e-9)
  c(mean = as.numeric(coef(s)), se = as.numeric(SE(s)), k = k)
}

segment_row <- function(tab, resp, base, weight) {
  v <- if (weight == "revenue") tab$revenue else rep(1, nrow(tab))
  idx <- clustered_mean(tab$index, v)
  nps <- clustered_mean(tab$nps, v)
  p <- clustered_mean(tab$promoter_share, v)[["mean"]]
  d <- clustered_mean(tab$detractor_share, v)[["mean"]]
  n <- sum(tab$nps_n[!is.na(tab$nps)])
  se_srs <- 100 * sqrt((p + d - (p - d)^2) / n)
  deff <- nps[["se"]]^2 / se_srs^2
  r <- resp[resp$account %in% tab$account & !is.na(resp$code), ]
  respondent_nps <- 100 * (mean(r$code == 1) - mean(r$code == -1))
  b <- base[match(tab$account, base$account), ]
  paired <- !is.na(tab$index) & !is.na(b$index)
  dlt <- tab$index[paired] - b$index[paired]
  ch <- clustered_mean(dlt, v[paired])
  se_t <- NA
  if (weight == "equal" && sum(paired) > 1) {
    t <- t.test(tab$index[paired], b$index[paired], paired = TRUE)
    se_t <- as.numeric(t$estimate / t$statistic)
    stopifnot(abs(as.numeric(t$estimate) - ch[["mean"]]) < 1e-9,
              abs(se_t - ch[["se"]]) < 1e-9)
  }
  data.frame(accounts = nrow(tab), index = idx[["mean"]], index_se = idx[["se"]],
             nps = nps[["mean"]], nps_se = nps[["se"]], nps_se_srs = se_srs,
             nps_deff = deff, nps_n_eff = n / deff, respondent_nps = respondent_nps,
             delta = ch[["mean"]], delta_se = ch[["se"]],
             delta_ci_low = ch[["mean"]] - Z * ch[["se"]],
             delta_ci_high = ch[["mean"]] + Z * ch[["se"]],
             delta_se_ttest = se_t)
}

segment_table <- function(tab, resp, base, weight) {
  rows <- list(cbind(segment = "portfolio", value = "all",
                     segment_row(tab, resp, base, weight)))
  for (g in sort(unique(tab$region))) {
    rows[[length(rows) + 1]] <- cbind(segment = "Region", value = g,
                                      segment_row(tab[tab$region == g, ], resp, base, weight))
  }
  out <- do.call(rbind, rows)
  if (weight != "equal") out$delta_se_ttest <- NULL
  out
}

# ---------------------------------------------------------------------------------
# Writing with full precision
# ---------------------------------------------------------------------------------
write_full <- function(frame, name) {
  out <- frame
  for (col in names(out)) {
    x <- out[[col]]
    if (is.double(x)) out[[col]] <- ifelse(is.na(x), "", sprintf("%.17g", x))
    else if (is.logical(x)) out[[col]] <- ifelse(is.na(x), "", ifelse(x, "True", "False"))
    else out[[col]] <- ifelse(is.na(x), "", as.character(x))
  }
  write.csv(out, file.path(DIR, name), row.names = FALSE, quote = TRUE)
}

ACCOUNT_COLUMNS <- c("account", "n", "coverage", "index", "se", "ci_low", "ci_high", "nps",
                     "n_eff", "nps_ci_low", "nps_ci_high", "tau2", "mu", "reliability",
                     "index_eb", "index_eb_se")
BASELINE_COLUMNS <- c("index_baseline", "delta", "p_change", "q_change", "significant_fdr")

resp2 <- read_export("wave2.csv")
resp1 <- read_export("wave1.csv")
resp_s <- read_export("single_dm.csv")
acc2 <- account_table(resp2)
acc1 <- account_table(resp1)
acc_s <- account_table(resp_s)
acc2b <- with_baseline(acc2, acc1)

write_full(acc2b[, c(ACCOUNT_COLUMNS, BASELINE_COLUMNS)], "r_accounts_wave2.csv")
write_full(acc_s[, ACCOUNT_COLUMNS], "r_accounts_single_dm.csv")
write_full(segment_table(acc2, resp2, acc1, "equal"), "r_segments_wave2.csv")
write_full(segment_table(acc2, resp2, acc1, "revenue"), "r_segments_wave2_revenue.csv")

summary_line <- function(label, tab) {
  cat(sprintf("%-10s accounts %d, tau2 %.17g, mu %.17g (metafor default stop: tau2 %.17g), roles borrowing the pooled variance: %s\n",
              label, nrow(tab), tab$tau2[!is.na(tab$tau2)][1], tab$mu[!is.na(tab$mu)][1],
              attr(tab, "default_tau2"), if (length(attr(tab, "borrowed"))) paste(attr(tab, "borrowed"), collapse = ";") else "none"))
}
summary_line("wave2", acc2)
summary_line("wave1", acc1)
summary_line("single_dm", acc_s)
cat(sprintf("wave2: %d accounts compared, %d significant_fdr, %d with p < 0.05\n",
            sum(!is.na(acc2b$p_change)), sum(acc2b$significant_fdr, na.rm = TRUE),
            sum(acc2b$p_change < 0.05, na.rm = TRUE)))
