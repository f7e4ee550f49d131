#!/usr/bin/env Rscript
# Independent R reference for the v2.1 intervals and change tests
# (docs/method.md#degrees-of-freedom, #like-for-like-change, #shrunken-index-interval,
# #few-accounts).
#
# Rerun from the repository root:
#     Rscript tests/reference/v21_reference.R
# Written and pinned with the R, metafor and survey versions it prints.
#
# Inputs: the exports of tests/data/reference/ (wave2.csv this quarter, wave1.csv the
# baseline, single_dm.csv where no account has two decision makers), as written by
# v2_reference.R. Outputs (same folder), 17 significant digits:
#   r21_accounts_wave2.csv, r21_accounts_single_dm.csv,
#   r21_segments_wave2.csv (equal account weights), r21_segments_wave2_revenue.csv,
#   r21_values.csv (qt / pt values and a worked Satterthwaite/g3 example).
#
# Nothing here calls b2bcx. Readings where the method leaves a choice:
#  * df (Satterthwaite): a role with N_r - A_r = 0 borrows the pooled variance; its
#    coefficient c_r = (w_r/W_a)^2/n_ar is spread over every role k with its own
#    variance as c_r SS_k / D (D = sum of the roles' N_k - A_k), so each term rests on
#    one role's sum of squares: nu = (sum T_k)^2 / sum T_k^2/d_k. SE = 0: df empty.
#  * The adjusted-likelihood tau2 (Li & Lahiri 2010) is the maximiser over tau2 > 0
#    of metafor's REML log-likelihood at a fixed tau2 (rma(..., tau2 = t, method =
#    "REML"), logLik) plus log(tau2), by optimize() on log(tau2), polished with
#    uniroot on the REML score + 1/tau2 (the two must agree). REML tau2 below 4
#    accounts. g1, g2, g3 as Rao & Molina (2015) section 6.2; index_eb_se =
#    sqrt(g1 + g2 + 2 g3); index_eb stays metafor's blup() at the REML tau2.
#  * The index_eb interval uses the account's Satterthwaite df (qnorm where df is
#    empty), clipped to 0..100.
#  * Like-for-like change: over accounts with an index in both waves; C = roles with
#    an index in both; weights renormalised over C; each wave's sigma2_r (with its
#    own fallback), terms spread as above per wave, both waves' terms independent.
#    p = 2 pt(-|delta_lfl|/SE, df); not testable when C is empty or SE/df undefined
#    or zero; BH (p.adjust) over the testable accounts.
#  * Segments: confint(svymean(~y, design), df = degf(design)) for the index and NPS
#    (k - 1 df over the k accounts with a value), and for the paired change
#    (accounts of the segment with an index in both waves; weights: this wave's
#    revenue or equal), checked against t.test(paired = TRUE)$conf.int for equal
#    weights. Intervals are clipped (0..100 index, -100..100 NPS and change); k < 2
#    gives no interval.

suppressPackageStartupMessages({
  library(metafor)
  library(survey)
})

DIR <- file.path("tests", "data", "reference")
if (!dir.exists(DIR)) stop("run from the repository root: Rscript tests/reference/v21_reference.R")

PILLARS <- c("integrity", "resolution", "expectations", "time_and_effort",
             "personalisation", "empathy")
ITEMS <- setNames(lapply(seq_along(PILLARS), function(j) sprintf("S%d", 3 * (j - 1) + 1:3)),
                  PILLARS)
ROLE_W <- c(decision_maker = 0.5, influencer = 0.3, user = 0.2)
ROLE_MAP <- c("decision maker" = "decision_maker", "influencer" = "influencer", "user" = "user")
LO <- 1
HI <- 5
clip <- function(x, lo, hi) pmin(pmax(x, lo), hi)

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
# Cells, pooled variances with their degrees of freedom
# ---------------------------------------------------------------------------------
cells <- function(resp, x, accounts) {
  roles <- names(ROLE_W)
  n <- ss <- matrix(0, length(accounts), length(roles), dimnames = list(accounts, roles))
  m <- matrix(NA_real_, length(accounts), length(roles), dimnames = list(accounts, roles))
  for (a in accounts) for (r in roles) {
    v <- x[resp$account == a & resp$role == r & !is.na(x)]
    n[a, r] <- length(v)
    if (length(v)) {
      m[a, r] <- mean(v)
      ss[a, r] <- sum((v - mean(v))^2)
    }
  }
  dof <- colSums(n) - colSums(n > 0)
  SS <- colSums(ss)
  D <- sum(dof)
  sigma2 <- ifelse(dof > 0, SS / dof, if (D > 0) sum(SS) / D else NA)
  list(n = n, m = m, dof = dof, SS = SS, D = D, sigma2 = sigma2)
}

# independent variance terms of sum_r c_r sigma2_r (one per role with its own variance)
terms_of <- function(c, cl) {
  own <- cl$dof > 0
  lent <- sum(c[!own])
  if (lent > 0 && cl$D == 0) return(rep(NA_real_, length(c)))
  ifelse(own, c * cl$sigma2 + lent * cl$SS / cl$D, 0)
}

satterthwaite <- function(T, dof) {
  keep <- dof > 0
  s <- sum(T[keep])
  if (is.na(s) || s <= 0) return(NA_real_)
  s^2 / sum(T[keep]^2 / dof[keep])
}

accounts_of <- function(resp) {
  accounts <- sort(unique(resp$account))
  cl <- cells(resp, resp$index, accounts)
  est <- se <- df <- rep(NA_real_, length(accounts))
  for (i in seq_along(accounts)) {
    used <- cl$n[i, ] > 0
    if (!any(used)) next
    share <- ifelse(used, ROLE_W / sum(ROLE_W[used]), 0)
    est[i] <- sum(share[used] * cl$m[i, used])
    c <- ifelse(used, share^2 / pmax(cl$n[i, ], 1), 0)
    T <- terms_of(c, cl)
    se[i] <- sqrt(sum(c[used] * cl$sigma2[used]))
    stopifnot(is.na(se[i]) || abs(sum(T) - se[i]^2) < 1e-9 * max(1, se[i]^2))
    if (!is.na(se[i]) && se[i] > 0) df[i] <- satterthwaite(T, cl$dof)
  }
  q <- ifelse(is.na(df), NA, qt(0.975, df))
  tab <- data.frame(account = accounts, index = est, se = se, df = df,
                    ci_low = clip(est - q * se, 0, 100), ci_high = clip(est + q * se, 0, 100),
                    stringsAsFactors = FALSE)
  first <- function(col) sapply(accounts, function(a) {
    v <- resp[[col]][resp$account == a & !is.na(resp[[col]])]
    names(sort(table(v), decreasing = TRUE))[1]
  })
  tab$region <- first("region")
  tab$revenue <- as.numeric(first("revenue"))
  prom <- cells(resp, ifelse(is.na(resp$code), NA, as.numeric(resp$code == 1)), accounts)
  detr <- cells(resp, ifelse(is.na(resp$code), NA, as.numeric(resp$code == -1)), accounts)
  tab$nps <- sapply(seq_along(accounts), function(i) {
    used <- prom$n[i, ] > 0
    if (!any(used)) return(NA_real_)
    share <- ROLE_W[used] / sum(ROLE_W[used])
    100 * sum(share * (prom$m[i, used] - detr$m[i, used]))
  })
  rownames(tab) <- NULL
  attr(tab, "cells") <- cl
  tab
}

# ---------------------------------------------------------------------------------
# Shrunken index: REML (metafor) for index_eb, adjusted likelihood for its MSE
# ---------------------------------------------------------------------------------
reml_loglik <- function(t, y, se) {
  as.numeric(logLik(rma(yi = y, sei = se, tau2 = t, method = "REML")))
}

adjusted_tau2 <- function(y, se, reml_tau2) {
  if (length(y) < 4) return(reml_tau2)
  f <- function(lt) reml_loglik(exp(lt), y, se) + lt
  hi <- log(10 * var(y) + max(se^2) + 1)
  opt <- optimize(f, c(hi - 40, hi + 5), maximum = TRUE, tol = 1e-12)
  v <- se^2
  score <- function(t2) {
    u <- 1 / (t2 + v)
    mu <- sum(u * y) / sum(u)
    -0.5 * sum(u) + 0.5 * sum(u^2 * (y - mu)^2) + 0.5 * sum(u^2) / sum(u) + 1 / t2
  }
  t0 <- exp(opt$maximum)
  root <- uniroot(score, c(t0 / 2, t0 * 2), tol = 1e-15 * t0, maxiter = 10000)$root
  stopifnot(abs(root - t0) < 1e-5 * t0)
  root
}

eb_columns <- function(tab) {
  ok <- !is.na(tab$index) & !is.na(tab$se)
  y <- tab$index[ok]
  se <- tab$se[ok]
  fit <- rma(yi = y, sei = se, method = "REML",
             control = list(threshold = 1e-12, maxiter = 10000))
  tt <- adjusted_tau2(y, se, fit$tau2)
  D <- se^2
  gamma <- tt / (tt + D)
  g1 <- gamma * D
  g2 <- (1 - gamma)^2 / sum(1 / (tt + D))
  g3 <- D^2 * (tt + D)^(-3) * 2 / sum((tt + D)^(-2))
  eb_se <- sqrt(g1 + g2 + 2 * g3)
  pred <- blup(fit)$pred
  df <- tab$df[ok]
  q <- ifelse(is.na(df), qnorm(0.975), qt(0.975, df))
  tab$index_eb <- tab$index_eb_se <- tab$index_eb_ci_low <- tab$index_eb_ci_high <- NA_real_
  tab$index_eb[ok] <- pred
  tab$index_eb_se[ok] <- eb_se
  tab$index_eb_ci_low[ok] <- clip(pred - q * eb_se, 0, 100)
  tab$index_eb_ci_high[ok] <- clip(pred + q * eb_se, 0, 100)
  attr(tab, "tau2") <- c(reml = fit$tau2, adjusted = tt)
  tab
}

# ---------------------------------------------------------------------------------
# Like-for-like change
# ---------------------------------------------------------------------------------
like_for_like <- function(cur, base) {
  c1 <- attr(cur, "cells")
  c0 <- attr(base, "cells")
  j <- match(cur$account, base$account)
  cur$delta <- cur$index - base$index[j]
  cur$delta_lfl <- cur$df_change <- cur$p_change <- NA_real_
  cur$roles_changed <- FALSE
  for (i in seq_len(nrow(cur))) {
    if (is.na(j[i]) || is.na(cur$index[i]) || is.na(base$index[j[i]])) next
    a <- cur$account[i]
    n1 <- c1$n[a, ]
    n0 <- c0$n[a, ]
    cur$roles_changed[i] <- any((n1 > 0) != (n0 > 0))
    common <- n1 > 0 & n0 > 0
    if (!any(common)) next
    share <- ifelse(common, ROLE_W / sum(ROLE_W[common]), 0)
    cur$delta_lfl[i] <- sum(share[common] * (c1$m[a, common] - c0$m[a, common]))
    T1 <- terms_of(ifelse(common, share^2 / pmax(n1, 1), 0), c1)
    T0 <- terms_of(ifelse(common, share^2 / pmax(n0, 1), 0), c0)
    se <- sqrt(sum(T1) + sum(T0))
    if (is.na(se) || se == 0) next
    df <- satterthwaite(c(T1, T0), c(c1$dof, c0$dof))
    if (is.na(df)) next
    cur$df_change[i] <- df
    cur$p_change[i] <- 2 * pt(-abs(cur$delta_lfl[i]) / se, df)
  }
  testable <- !is.na(cur$p_change)
  cur$df_change[!testable] <- NA
  cur$q_change <- NA_real_
  cur$q_change[testable] <- p.adjust(cur$p_change[testable], "BH")
  cur$significant <- ifelse(testable, cur$p_change < 0.05, NA)
  cur$significant_fdr <- ifelse(testable, cur$q_change <= 0.05, NA)
  cur
}

# ---------------------------------------------------------------------------------
# Segments: t with k - 1 degrees of freedom
# ---------------------------------------------------------------------------------
t_mean <- function(y, v, lo, hi) {
  ok <- !is.na(y) & !is.na(v) & v > 0
  y <- y[ok]
  v <- v[ok]
  if (length(y) < 2) return(c(NA_real_, NA_real_))
  design <- svydesign(ids = ~1, weights = ~v, data = data.frame(y = y, v = v))
  ci <- confint(svymean(~y, design), df = degf(design))
  stopifnot(degf(design) == length(y) - 1)
  clip(as.numeric(ci), lo, hi)
}

segment_row <- function(tab, base, weight) {
  v <- if (weight == "revenue") tab$revenue else rep(1, nrow(tab))
  idx <- t_mean(tab$index, v, 0, 100)
  nps <- t_mean(tab$nps, v, -100, 100)
  b <- base[match(tab$account, base$account), ]
  paired <- !is.na(tab$index) & !is.na(b$index)
  ch <- t_mean(tab$index[paired] - b$index[paired], v[paired], -100, 100)
  if (weight == "equal" && sum(paired) > 1) {
    t <- t.test(tab$index[paired], b$index[paired], paired = TRUE)
    stopifnot(max(abs(clip(as.numeric(t$conf.int), -100, 100) - ch)) < 1e-9)
  }
  data.frame(accounts = nrow(tab), ci_low = idx[1], ci_high = idx[2],
             nps_ci_low = nps[1], nps_ci_high = nps[2],
             delta_ci_low = ch[1], delta_ci_high = ch[2])
}

segment_table <- function(tab, base, weight) {
  rows <- list(cbind(segment = "portfolio", value = "all", segment_row(tab, base, weight)))
  for (g in sort(unique(tab$region))) {
    rows[[length(rows) + 1]] <- cbind(segment = "Region", value = g,
                                      segment_row(tab[tab$region == g, ], base, weight))
  }
  do.call(rbind, rows)
}

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

# ---------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------
ACCOUNT <- c("account", "index", "se", "df", "ci_low", "ci_high", "index_eb",
             "index_eb_se", "index_eb_ci_low", "index_eb_ci_high")
CHANGE <- c("delta", "delta_lfl", "df_change", "p_change", "q_change", "significant",
            "significant_fdr", "roles_changed")

resp2 <- read_export("wave2.csv")
resp1 <- read_export("wave1.csv")
resp_s <- read_export("single_dm.csv")
acc2 <- eb_columns(accounts_of(resp2))
acc1 <- eb_columns(accounts_of(resp1))
acc_s <- eb_columns(accounts_of(resp_s))
attr(acc2, "cells") <- attr(accounts_of(resp2), "cells")
attr(acc1, "cells") <- attr(accounts_of(resp1), "cells")
acc2b <- like_for_like(acc2, acc1)

write_full(acc2b[, c(ACCOUNT, CHANGE)], "r21_accounts_wave2.csv")
write_full(acc_s[, ACCOUNT], "r21_accounts_single_dm.csv")
write_full(segment_table(acc2, acc1, "equal"), "r21_segments_wave2.csv")
write_full(segment_table(acc2, acc1, "revenue"), "r21_segments_wave2_revenue.csv")

# quantiles, tails and a worked example of Satterthwaite and g1 + g2 + 2 g3
dfs <- c(1, 1.5, 2, 3.7, 4, 9.99, 30, 123.4, 1e4, 1e6)
T <- c(41.66666666666667, 32)
example_mse <- function(t2, D) {
  gamma <- t2 / (t2 + D)
  gamma * D + (1 - gamma)^2 / sum(1 / (t2 + D)) + 2 * D^2 * (t2 + D)^(-3) * 2 / sum((t2 + D)^(-2))
}
values <- data.frame(
  name = c(sprintf("qt_0.975_df_%g", dfs), sprintf("pt_two_sided_2.1_df_%g", dfs),
           "satterthwaite_example", "mse_example_1", "mse_example_2", "mse_example_3"),
  value = c(qt(0.975, dfs), 2 * pt(-2.1, dfs), sum(T)^2 / (T[1]^2 / 3 + T[2]^2 / 1),
            example_mse(7.5, c(4, 9, 16))), stringsAsFactors = FALSE)
write_full(values, "r21_values.csv")

cat(sprintf("%s; metafor %s; survey %s\n", R.version.string,
            packageVersion("metafor"), packageVersion("survey")))
for (name in c("acc2", "acc1", "acc_s")) {
  t <- attr(get(name), "tau2")
  cat(sprintf("%-6s REML tau2 %.17g, adjusted tau2 %.17g\n", name, t[["reml"]], t[["adjusted"]]))
}
cat(sprintf("wave2: %d testable, %d significant, %d significant_fdr, %d roles_changed\n",
            sum(!is.na(acc2b$p_change)), sum(acc2b$significant, na.rm = TRUE),
            sum(acc2b$significant_fdr, na.rm = TRUE), sum(acc2b$roles_changed)))
